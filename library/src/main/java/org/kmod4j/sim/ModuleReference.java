package org.kmod4j.sim;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A reference a caller took with {@code try_module_get}: an open device, a mounted file system, a symbol_get. Release
 * it once with {@link #release()} ({@code module_put}).
 */
public final class ModuleReference {
    private final SimulatedKernel kernel;
    private final KernelModule module;
    private final AtomicBoolean released = new AtomicBoolean();

    ModuleReference(SimulatedKernel kernel, KernelModule module) {
        this.kernel = kernel;
        this.module = module;
    }

    /** {@return the name of the module this reference holds} */
    public String moduleName() {
        return module.name;
    }

    /**
     * {@code module_put()}. If a forced unload freed the module meanwhile, the kernel would oops here: the simulator
     * records an {@link Oops} instead, and returns it.
     *
     * @return the oops this release caused, or null
     * @throws IllegalStateException when released twice
     */
    public Oops release() {
        if (!released.compareAndSet(false, true)) {
            throw new IllegalStateException("reference on " + module.name + " released twice");
        }
        module.visited = true; // 2.4's __MOD_DEC_USE_COUNT
        kernel.clock().noteCaller();
        return kernel.modulePut(module, "module_put");
    }

    /** {@return whether {@link #release()} was called} */
    public boolean isReleased() {
        return released.get();
    }
}
