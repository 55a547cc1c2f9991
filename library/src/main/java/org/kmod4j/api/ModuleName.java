package org.kmod4j.api;

/**
 * A module name as the kernel keeps it: at most {@link #MAX_LENGTH} bytes, compared exactly (no case folding and no
 * {@code -}/{@code _} folding; docs/kernel-rules.md, "Check order" step 5).
 *
 * @param value the name, as the kernel stores it
 */
public record ModuleName(String value) implements Comparable<ModuleName> {
    /** {@code MODULE_NAME_LEN - 1} on 64-bit: the longest name a module can have. */
    public static final int MAX_LENGTH = 55;

    /**
     * A valid module name.
     *
     * @throws IllegalArgumentException when {@code value} is empty, longer than {@link #MAX_LENGTH} bytes in UTF-8, or
     *                                  has a {@code /}, a space or a NUL
     */
    public ModuleName {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("a module name cannot be empty");
        }
        if (value.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_LENGTH) {
            throw new IllegalArgumentException("module name longer than " + MAX_LENGTH + " bytes: " + value);
        }
        if (value.indexOf('/') >= 0 || value.indexOf('\0') >= 0 || value.indexOf(' ') >= 0) {
            throw new IllegalArgumentException("module name with '/', a space or NUL: " + value);
        }
    }

    /**
     * The same as {@code new ModuleName(value)}.
     *
     * @param value the name
     * @return the module name
     * @throws IllegalArgumentException when {@code value} is not a valid module name
     */
    public static ModuleName of(String value) {
        return new ModuleName(value);
    }

    /**
     * kmod's {@code modname_normalize()}: every {@code -} becomes {@code _} and the name stops at the first {@code .}.
     * The kernel itself never normalizes; only the tools do (kmod 30 {@code shared/util.c} {@code modname_normalize()};
     * docs/tools.md, "Sources").
     *
     * @param text a module name or a file name such as {@code snd-hda.ko}
     * @return the normalized name
     */
    public static String normalize(String text) {
        int dot = text.indexOf('.');
        String base = dot >= 0 ? text.substring(0, dot) : text;
        return base.replace('-', '_');
    }

    @Override
    public int compareTo(ModuleName other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value;
    }
}
