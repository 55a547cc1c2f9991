package org.kmod4j.api;

/**
 * {@code enum module_state} (include/linux/module.h). UNFORMED modules sit on the module list but are invisible:
 * {@code find_module} and {@code /proc/modules} skip them (docs/kernel-rules.md, "Module states").
 */
public enum ModuleState {
    LIVE("Live", "live"),
    COMING("Loading", "coming"),
    GOING("Unloading", "going"),
    UNFORMED(null, null);

    private final String procText;
    private final String initstate;

    ModuleState(String procText, String initstate) {
        this.procText = procText;
        this.initstate = initstate;
    }

    /** The state column of {@code /proc/modules}. */
    public String procText() {
        return procText;
    }

    /** The content of {@code /sys/module/NAME/initstate}, without the newline. */
    public String initstate() {
        return initstate;
    }

    /** {@code module_is_live()}: every state but GOING. */
    public boolean isLive() {
        return this != GOING;
    }
}
