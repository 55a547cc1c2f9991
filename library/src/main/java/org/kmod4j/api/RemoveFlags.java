package org.kmod4j.api;

/**
 * Helpers for the raw {@code unsigned int flags} of {@code delete_module}. Flags stay a plain {@code int}, as the
 * syscall takes them, because unknown bits are legal input that the kernel ignores (docs/kernel-rules.md,
 * "Numbers and flags").
 */
public final class RemoveFlags {
    /** No flag: {@code delete_module(name, 0)}. */
    public static final int NONE = 0;

    private RemoveFlags() {
    }

    /**
     * The raw word with exactly these bits.
     *
     * @param flags the flags to set
     * @return the raw flags word
     */
    public static int of(RemoveFlag... flags) {
        int raw = 0;
        for (RemoveFlag f : flags) {
            raw |= f.bit();
        }
        return raw;
    }

    /**
     * Parses the scenario format's FLAGS: {@code 0}, {@code NB}, {@code TRUNC}, names joined by {@code |}, or a C
     * integer ({@code 0x40000000}, {@code 0644}, {@code 2048}).
     *
     * @param text the FLAGS field
     * @return the raw flags word
     * @throws IllegalArgumentException with a message naming the bad part
     */
    public static int parse(String text) {
        if (text.isEmpty()) {
            throw new IllegalArgumentException("empty flags");
        }
        int raw = 0;
        for (String part : text.split("\\|", -1)) {
            raw |= parsePart(part, text);
        }
        return raw;
    }

    private static int parsePart(String part, String whole) {
        for (RemoveFlag f : RemoveFlag.values()) {
            if (f.scenarioName().equals(part)) {
                return f.bit();
            }
        }
        try {
            long value = Long.decode(part);
            if (part.startsWith("-") || value > 0xFFFF_FFFFL) {
                throw new IllegalArgumentException("flags out of range for unsigned int: " + whole);
            }
            return (int) value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad flags '" + whole + "': expected 0, NB, TRUNC, NB|TRUNC or a number");
        }
    }

    /**
     * A readable form: {@code 0}, {@code NB|TRUNC}, {@code NB|0x40000000}.
     *
     * @param flags a raw flags word
     * @return the scenario format's spelling of it
     */
    public static String describe(int flags) {
        StringBuilder out = new StringBuilder();
        int rest = flags;
        for (RemoveFlag f : new RemoveFlag[] {RemoveFlag.NONBLOCK, RemoveFlag.FORCE}) {
            if (f.isSetIn(flags)) {
                out.append(out.isEmpty() ? "" : "|").append(f.scenarioName());
                rest &= ~f.bit();
            }
        }
        if (rest != 0) {
            out.append(out.isEmpty() ? "" : "|").append("0x").append(Integer.toHexString(rest));
        }
        return out.isEmpty() ? "0" : out.toString();
    }
}
