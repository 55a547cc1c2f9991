package org.kmod4j.sim;

/**
 * The build options of the simulated kernel that change what unloading does.
 *
 * @param moduleUnload  {@code CONFIG_MODULE_UNLOAD}: without it delete_module gives ENOSYS and there is no refcount
 * @param forceUnload   {@code CONFIG_MODULE_FORCE_UNLOAD}: whether {@code O_TRUNC} can force an unload
 * @param srcversionAll {@code CONFIG_MODULE_SRCVERSION_ALL}: every module gets a {@code srcversion} sysfs attribute
 */
public record KernelConfig(boolean moduleUnload, boolean forceUnload, boolean srcversionAll) {

    /**
     * Debian 12's {@code 6.1.0-*-amd64} build: unload and force unload enabled (observed: docs/kernel-corrections.md),
     * and no {@code srcversion} for modules without a MODULE_VERSION (observed: the conformance suite's sysfs
     * listings).
     *
     * @return the configuration of Debian 12's kernel
     */
    public static KernelConfig debian() {
        return new KernelConfig(true, true, false);
    }

    /**
     * This configuration with {@code CONFIG_MODULE_FORCE_UNLOAD} set or not.
     *
     * @param enabled whether {@code O_TRUNC} can force an unload
     * @return the changed configuration
     */
    public KernelConfig withForceUnload(boolean enabled) {
        return new KernelConfig(moduleUnload, enabled, srcversionAll);
    }

    /**
     * This configuration with {@code CONFIG_MODULE_UNLOAD} set or not.
     *
     * @param enabled whether modules can be unloaded at all
     * @return the changed configuration
     */
    public KernelConfig withModuleUnload(boolean enabled) {
        return new KernelConfig(enabled, forceUnload, srcversionAll);
    }
}
