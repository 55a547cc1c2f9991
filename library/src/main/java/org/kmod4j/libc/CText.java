package org.kmod4j.libc;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** The C library behaviour the kmod tools rely on, over bytes: fgets, strtok, strtol, isspace, printf padding. */
public final class CText {
    /** kmod's line buffers are {@code char line[4096]}. */
    public static final int LINE_MAX = 4096;

    private CText() {
    }

    public static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static String string(byte[] b, int from, int to) {
        return new String(b, from, to - from, StandardCharsets.UTF_8);
    }

    /** {@code isspace()} in the C locale. */
    public static boolean isSpace(int c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0b || c == '\f' || c == '\r';
    }

    /** {@code strlen()}: up to the first NUL. */
    public static int strlen(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        return b.length;
    }

    /** Successive {@code fgets(buf, 4096, fp)} calls over a file's bytes. */
    public static final class Fgets {
        private final byte[] data;
        private int pos;

        public Fgets(String content) {
            this.data = bytes(content);
        }

        /** The next chunk (at most 4095 bytes, ending after a newline if one comes first), or null at EOF. */
        public byte[] next() {
            if (pos >= data.length) {
                return null;
            }
            int end = pos;
            while (end < data.length && end - pos < LINE_MAX - 1) {
                if (data[end++] == '\n') {
                    break;
                }
            }
            byte[] chunk = Arrays.copyOfRange(data, pos, end);
            pos = end;
            return chunk;
        }
    }

    /** {@code strtok_r()} over the C string in a buffer (up to its first NUL). */
    public static final class Strtok {
        private final byte[] s;
        private final int end;
        private final String delimiters;
        private int pos;

        public Strtok(byte[] buffer, String delimiters) {
            this.s = buffer;
            this.end = strlen(buffer);
            this.delimiters = delimiters;
        }

        /** The next token, or null ({@code strtok_r} returning NULL). */
        public String next() {
            while (pos < end && delimiters.indexOf(s[pos]) >= 0) {
                pos++;
            }
            if (pos >= end) {
                return null;
            }
            int start = pos;
            while (pos < end && delimiters.indexOf(s[pos]) < 0) {
                pos++;
            }
            String token = string(s, start, pos);
            if (pos < end) {
                pos++; // strtok_r overwrites the delimiter with NUL and goes on after it
            }
            return token;
        }

        /** {@code strtok_r(NULL, "", &saveptr)}: the rest of the string as it is, or null when nothing is left. */
        public String rest() {
            if (pos >= end) {
                return null;
            }
            String r = string(s, pos, end);
            pos = end;
            return r;
        }
    }

    /** The result of {@code strtol(text, &end, 10)}: the value and the index of {@code end}. */
    public record Strtol(long value, int end) {
    }

    /** {@code strtol(s, &end, 10)}: leading white space, a sign, digits; saturates at the long range. */
    public static Strtol strtol(byte[] s, int length) {
        int i = 0;
        while (i < length && isSpace(s[i])) {
            i++;
        }
        boolean negative = false;
        if (i < length && (s[i] == '+' || s[i] == '-')) {
            negative = s[i] == '-';
            i++;
        }
        int digitsStart = i;
        long value = 0;
        boolean overflow = false;
        while (i < length && s[i] >= '0' && s[i] <= '9') {
            int d = s[i] - '0';
            if (!overflow) {
                if (value > (Long.MAX_VALUE - d) / 10) {
                    overflow = true;
                } else {
                    value = value * 10 + d;
                }
            }
            i++;
        }
        if (i == digitsStart) {
            return new Strtol(0, 0);
        }
        if (overflow) {
            return new Strtol(negative ? Long.MIN_VALUE : Long.MAX_VALUE, i);
        }
        return new Strtol(negative ? -value : value, i);
    }

    /** {@code printf("%-Ns")} in bytes: pads with spaces on the right up to N bytes. */
    public static String padRight(String s, int width) {
        int n = bytes(s).length;
        return n >= width ? s : s + " ".repeat(width - n);
    }

    /** {@code printf("%Nld")}. */
    public static String padLeft(long v, int width) {
        String s = Long.toString(v);
        return s.length() >= width ? s : " ".repeat(width - s.length()) + s;
    }
}
