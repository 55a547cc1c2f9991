package org.kmod4j.api;

/**
 * The bits of {@code delete_module}'s {@code flags} argument that some kernel generation reads. The values are the
 * x86_64/arm64 {@code O_*} constants (asm-generic fcntl.h); other bits are legal and ignored by every kernel.
 */
public enum RemoveFlag {
    /** {@code O_TRUNC}: force the unload (only with {@code CONFIG_MODULE_FORCE_UNLOAD}); kmod's KMOD_REMOVE_FORCE. */
    FORCE(0x200, "O_TRUNC", "TRUNC"),
    /** {@code O_NONBLOCK}: do not wait for references to drop (read by 2.6.0–3.14 only); kmod always sets it. */
    NONBLOCK(0x800, "O_NONBLOCK", "NB");

    private final int bit;
    private final String constant;
    private final String scenarioName;

    RemoveFlag(int bit, String constant, String scenarioName) {
        this.bit = bit;
        this.constant = constant;
        this.scenarioName = scenarioName;
    }

    /** {@return the C constant's name ({@code O_TRUNC}, {@code O_NONBLOCK}), as strace and the man page write it} */
    public String constant() {
        return constant;
    }

    /** {@return the bit in the raw flags word} */
    public int bit() {
        return bit;
    }

    /** {@return how the scenario format spells it ({@code NB}, {@code TRUNC})} */
    public String scenarioName() {
        return scenarioName;
    }

    /**
     * Whether the raw flags word has this bit.
     *
     * @param flags a raw {@code delete_module} flags word
     * @return whether this bit is set in it
     */
    public boolean isSetIn(int flags) {
        return (flags & bit) != 0;
    }
}
