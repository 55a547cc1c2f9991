package org.kmod4j.api;

/**
 * {@code enum module_state} (include/linux/module.h). UNFORMED modules sit on the module list but are invisible:
 * {@code find_module} and {@code /proc/modules} skip them (docs/kernel-rules.md, "Module states").
 */
public enum ModuleState {
    /** {@code MODULE_STATE_LIVE}: initialized and in normal use. */
    LIVE("Live", "live"),
    /** {@code MODULE_STATE_COMING}: its init function is running. */
    COMING("Loading", "coming"),
    /** {@code MODULE_STATE_GOING}: being unloaded, or its init function failed. */
    GOING("Unloading", "going"),
    /** {@code MODULE_STATE_UNFORMED}: still being set up by the loader; invisible. */
    UNFORMED(null, null);

    private final String procText;
    private final String initstate;

    ModuleState(String procText, String initstate) {
        this.procText = procText;
        this.initstate = initstate;
    }

    /** {@return the state column of {@code /proc/modules}; {@code null} for UNFORMED} */
    public String procText() {
        return procText;
    }

    /** {@return the content of {@code /sys/module/NAME/initstate}, without the newline; {@code null} for UNFORMED} */
    public String initstate() {
        return initstate;
    }

    /** {@return {@code module_is_live()}: true in every state but GOING} */
    public boolean isLive() {
        return this != GOING;
    }
}
