package org.kmod4j.sim;

import java.util.Set;
import org.kmod4j.api.Taint;

/** Kernels and module images the rule tests share: the shapes of the conformance suite's test modules. */
final class Kernels {
    static final String TARGET = "kmod4j_target";
    static final String USER_A = "kmod4j_user_a";
    static final String USER_B = "kmod4j_user_b";
    static final String NOEXIT = "kmod4j_noexit";
    static final String NOINIT = "kmod4j_noinit";
    static final String FAILINIT = "kmod4j_failinit";
    static final String SLOW = "kmod4j_slow";
    static final String DEVICE = "/dev/kmod4j_target";

    private Kernels() {
    }

    /** Debian 12's kernel with the test modules declared, on a virtual clock. */
    static SimulatedKernel debian() {
        return builder().build();
    }

    static SimulatedKernel.Builder builder() {
        Set<Taint> oe = Taint.ofLetters("OE");
        return SimulatedKernel.builder()
                .module(ModuleImage.builder(TARGET).coreSize(16384).taints(oe).exports("kmod4j_target_value")
                        .device(DEVICE).build())
                .module(ModuleImage.builder(USER_A).coreSize(12288).taints(oe).uses("kmod4j_target_value").build())
                .module(ModuleImage.builder(USER_B).coreSize(12288).taints(oe).uses("kmod4j_target_value").build())
                .module(ModuleImage.builder(NOEXIT).coreSize(12288).taints(oe).exit(null).build())
                .module(ModuleImage.builder(NOINIT).coreSize(12288).taints(oe).init(null).exit(null).build())
                .module(ModuleImage.builder(FAILINIT).coreSize(12288).taints(oe)
                        .initError(org.kmod4j.api.Errno.ENODEV).build())
                .module(ModuleImage.builder(SLOW).coreSize(12288).initSize(4096).taints(oe)
                        .parameters("init_ms", "exit_ms")
                        .init(ModuleImage.Function.takingParameter("init_ms"))
                        .exit(ModuleImage.Function.takingParameter("exit_ms")).build())
                .builtin(BuiltinModule.of("printk", "time"));
    }

    /** Loads modules as root, failing the test if any load fails. */
    static void load(SimulatedKernel kernel, String... names) {
        for (String name : names) {
            var result = kernel.loadModule(name, "");
            if (!result.isOk()) {
                throw new AssertionError("load " + name + " -> " + result);
            }
        }
    }

    /** The refcount /proc/modules shows for a module. */
    static int refcount(SimulatedKernel kernel, String name) {
        return kernel.loadedModules().stream().filter(m -> m.name().value().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " not loaded")).refcount();
    }

    static boolean isLoaded(SimulatedKernel kernel, String name) {
        return kernel.loadedModules().stream().anyMatch(m -> m.name().value().equals(name));
    }

    /**
     * Runs bodies as concurrent tasks on the kernel's clock, started together from a parent task (so virtual time
     * cannot pass before all of them exist), and waits for all of them.
     */
    static void inTasks(SimulatedKernel k, Runnable... bodies) {
        java.util.List<Thread> threads = new java.util.ArrayList<>();
        Thread parent = k.clock().startTask("parent", () -> {
            for (int i = 0; i < bodies.length; i++) {
                threads.add(k.clock().startTask("task-" + i, bodies[i]));
            }
        });
        join(parent);
        threads.forEach(Kernels::join);
    }

    static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        if (t.isAlive()) {
            throw new AssertionError("task did not finish");
        }
    }
}
