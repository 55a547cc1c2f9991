package org.kmod4j.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@code const char __user *} argument: either NUL-terminated bytes in mapped memory, or a raw address that no
 * mapping backs (such as {@code NULL} or {@code 8}), so that callers can ask what the kernel does with a bad pointer.
 */
public sealed interface UserString {

    /** The bytes of a C string, without its terminating NUL. */
    record Bytes(byte[] bytes) implements UserString {
        public Bytes {
            bytes = bytes.clone();
        }

        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bytes b && Arrays.equals(bytes, b.bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** A raw user address with nothing mapped there; reading it faults. */
    record Unmapped(long address) implements UserString {
        @Override
        public String toString() {
            return "0x" + Long.toHexString(address);
        }
    }

    /** The UTF-8 bytes of {@code text}, NUL-terminated. */
    static UserString of(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A pointer to unmapped memory ({@code 0} is NULL). */
    static UserString unmapped(long address) {
        return new Unmapped(address);
    }
}
