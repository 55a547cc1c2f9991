package org.kmod4j.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * The kernel taint flags (include/linux/panic.h bit numbers, kernel/panic.c letters; docs/kernel-rules.md, "Taint").
 * {@link #FORCED_RMMOD} ('R') is global only: it never shows in a module's own taint string.
 */
public enum Taint {
    PROPRIETARY_MODULE('P', true),
    FORCED_MODULE('F', true),
    CPU_OUT_OF_SPEC('S', false),
    FORCED_RMMOD('R', false),
    MACHINE_CHECK('M', false),
    BAD_PAGE('B', false),
    USER('U', false),
    DIE('D', false),
    OVERRIDDEN_ACPI_TABLE('A', false),
    WARN('W', false),
    CRAP('C', true),
    FIRMWARE_WORKAROUND('I', false),
    OOT_MODULE('O', true),
    UNSIGNED_MODULE('E', true),
    SOFTLOCKUP('L', false),
    LIVEPATCH('K', true),
    AUX('X', true),
    RANDSTRUCT('T', true),
    TEST('N', true);

    private final char letter;
    private final boolean perModule;

    Taint(char letter, boolean perModule) {
        this.letter = letter;
        this.perModule = perModule;
    }

    /** The bit number, which is also this constant's ordinal. */
    public int bit() {
        return ordinal();
    }

    /** The mask value, {@code 1 << bit}. */
    public long mask() {
        return 1L << ordinal();
    }

    public char letter() {
        return letter;
    }

    /** Whether the letter can appear in a module's own taint string ({@code taint_flags[].module}). */
    public boolean perModule() {
        return perModule;
    }

    /** The flag with this letter; throws for an unknown one. */
    public static Taint ofLetter(char letter) {
        for (Taint t : values()) {
            if (t.letter == letter) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown taint letter '" + letter + "'");
    }

    /** Parses letters such as {@code OE} into a set. */
    public static Set<Taint> ofLetters(String letters) {
        Set<Taint> set = EnumSet.noneOf(Taint.class);
        for (char c : letters.toCharArray()) {
            set.add(ofLetter(c));
        }
        return set;
    }

    /** A mask of these flags. */
    public static long maskOf(Set<Taint> taints) {
        long mask = 0;
        for (Taint t : taints) {
            mask |= t.mask();
        }
        return mask;
    }

    /** The letters of the set bits of a mask, in bit order ({@code module_flags_taint}). */
    public static String letters(long mask) {
        StringBuilder out = new StringBuilder();
        for (Taint t : values()) {
            if ((mask & t.mask()) != 0) {
                out.append(t.letter);
            }
        }
        return out.toString();
    }
}
