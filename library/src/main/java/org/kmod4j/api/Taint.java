package org.kmod4j.api;

import java.util.EnumSet;
import java.util.Set;

/**
 * The kernel taint flags (include/linux/panic.h bit numbers, kernel/panic.c letters; docs/kernel-rules.md, "Taint").
 * {@link #FORCED_RMMOD} ('R') is global only: it never shows in a module's own taint string.
 */
public enum Taint {
    /** 'P': A proprietary (non-GPL) module was loaded. */
    PROPRIETARY_MODULE('P', true),
    /** 'F': A module was force-loaded. */
    FORCED_MODULE('F', true),
    /** 'S': The kernel runs on an out-of-spec system. */
    CPU_OUT_OF_SPEC('S', false),
    /** 'R': A module was force-unloaded ({@code rmmod -f}); global only. */
    FORCED_RMMOD('R', false),
    /** 'M': The processor reported a machine check exception. */
    MACHINE_CHECK('M', false),
    /** 'B': A bad page was referenced, or a page had unexpected flags. */
    BAD_PAGE('B', false),
    /** 'U': A user-space application asked for the taint. */
    USER('U', false),
    /** 'D': The kernel died recently (an oops or a BUG). */
    DIE('D', false),
    /** 'A': The user overrode an ACPI table. */
    OVERRIDDEN_ACPI_TABLE('A', false),
    /** 'W': The kernel issued a warning. */
    WARN('W', false),
    /** 'C': A staging driver was loaded. */
    CRAP('C', true),
    /** 'I': A workaround for a platform firmware bug was applied. */
    FIRMWARE_WORKAROUND('I', false),
    /** 'O': An externally built ("out-of-tree") module was loaded. */
    OOT_MODULE('O', true),
    /** 'E': An unsigned module was loaded. */
    UNSIGNED_MODULE('E', true),
    /** 'L': A soft lockup occurred. */
    SOFTLOCKUP('L', false),
    /** 'K': The kernel was live-patched. */
    LIVEPATCH('K', true),
    /** 'X': The auxiliary taint, defined for and used by distributions. */
    AUX('X', true),
    /** 'T': The kernel was built with the struct randomization plugin. */
    RANDSTRUCT('T', true),
    /** 'N': An in-kernel test has been run. */
    TEST('N', true);

    private final char letter;
    private final boolean perModule;

    Taint(char letter, boolean perModule) {
        this.letter = letter;
        this.perModule = perModule;
    }

    /** {@return the bit number, which is also this constant's ordinal} */
    public int bit() {
        return ordinal();
    }

    /** {@return the mask value, {@code 1 << bit}} */
    public long mask() {
        return 1L << ordinal();
    }

    /** {@return the letter kernel/panic.c prints for this flag, as in a module's taint string} */
    public char letter() {
        return letter;
    }

    /** {@return whether the letter can appear in a module's own taint string ({@code taint_flags[].module})} */
    public boolean perModule() {
        return perModule;
    }

    /**
     * The flag with this letter.
     *
     * @param letter a taint letter such as {@code 'O'}
     * @return the flag
     * @throws IllegalArgumentException for an unknown letter
     */
    public static Taint ofLetter(char letter) {
        for (Taint t : values()) {
            if (t.letter == letter) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown taint letter '" + letter + "'");
    }

    /**
     * Parses letters such as {@code OE} into a set.
     *
     * @param letters taint letters, in any order
     * @return the flags they name
     * @throws IllegalArgumentException for an unknown letter
     */
    public static Set<Taint> ofLetters(String letters) {
        Set<Taint> set = EnumSet.noneOf(Taint.class);
        for (char c : letters.toCharArray()) {
            set.add(ofLetter(c));
        }
        return set;
    }

    /**
     * A mask of these flags.
     *
     * @param taints the flags
     * @return their bits, or'ed together
     */
    public static long maskOf(Set<Taint> taints) {
        long mask = 0;
        for (Taint t : taints) {
            mask |= t.mask();
        }
        return mask;
    }

    /**
     * The letters of the set bits of a mask, in bit order ({@code module_flags_taint}).
     *
     * @param mask a taint mask; unknown bits are skipped
     * @return the letters, empty for no known bit
     */
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
