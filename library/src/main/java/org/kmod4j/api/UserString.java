package org.kmod4j.api;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A {@code const char __user *} argument: either NUL-terminated bytes in mapped memory, or a raw address that no
 * mapping backs (such as {@code NULL} or {@code 8}), so that callers can ask what the kernel does with a bad pointer.
 */
public sealed interface UserString {

    /**
     * The bytes of a C string, without its terminating NUL.
     *
     * @param bytes the string's bytes (copied in and out)
     */
    record Bytes(byte[] bytes) implements UserString {
        /** A C string of a copy of {@code bytes}. */
        public Bytes {
            bytes = bytes.clone();
        }

        /** {@return a copy of the string's bytes} */
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

    /**
     * A raw user address with nothing mapped there; reading it faults.
     *
     * @param address the address, {@code 0} for NULL
     */
    record Unmapped(long address) implements UserString {
        @Override
        public String toString() {
            return "0x" + Long.toHexString(address);
        }
    }

    /**
     * The UTF-8 bytes of {@code text}, NUL-terminated.
     *
     * @param text the string
     * @return a mapped C string
     */
    static UserString of(String text) {
        return new Bytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A pointer to unmapped memory ({@code 0} is NULL).
     *
     * @param address the raw address
     * @return a pointer whose reads fault
     */
    static UserString unmapped(long address) {
        return new Unmapped(address);
    }
}
