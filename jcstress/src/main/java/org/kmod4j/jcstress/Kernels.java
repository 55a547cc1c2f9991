package org.kmod4j.jcstress;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.sim.time.RealClock;

/**
 * The kernels the tests race on, and how their outcomes are spelled. Everything goes through kmod4j's public API:
 * the tests see the simulator as a caller would, never its internals.
 *
 * <p>Every kernel runs on a {@link RealClock}, so the actors are real threads that really block; the default
 * {@code VirtualClock} serializes tasks for deterministic single-thread runs and is not meant for this.
 */
final class Kernels {
    /** The module every test races on: init and exit return at once (0 ms on the real clock). */
    static final String M = "m";
    /** A second module, loaded only to make the kernel wake its module wait queue (see {@link #kick}). */
    static final String KICK = "kick";

    static final int O_NONBLOCK = RemoveFlag.NONBLOCK.bit();
    static final int O_TRUNC = RemoveFlag.FORCE.bit();

    private Kernels() {
    }

    /** A kernel of the given release ({@link KernelProfile#forRelease}) on a real clock, with {@code m.ko} declared. */
    static SimulatedKernel kernel(String release) {
        return SimulatedKernel.builder()
                .profile(KernelProfile.forRelease(release))
                .clock(new RealClock())
                .module(ModuleImage.builder(M)
                        .init(ModuleImage.Function.instant()).exit(ModuleImage.Function.instant()).build())
                .module(ModuleImage.builder(KICK)
                        .init(ModuleImage.Function.instant()).exit(ModuleImage.Function.instant()).build())
                .build();
    }

    /** {@link #kernel} with {@code m} loaded and LIVE, with no reference on it. */
    static SimulatedKernel withLoadedModule(String release) {
        SimulatedKernel kernel = kernel(release);
        SyscallResult load = kernel.loadModule(M, "");
        if (!load.isOk()) {
            throw new IllegalStateException("loading " + M + " on " + release + " failed: " + load);
        }
        return kernel;
    }

    /** A reference on {@code m} ({@code try_module_get}); the module must be LIVE. */
    static ModuleReference reference(SimulatedKernel kernel) {
        return kernel.tryModuleGet(M)
                .orElseThrow(() -> new IllegalStateException("try_module_get(" + M + ") refused on a live module"));
    }

    /** A syscall result as the scenario format spells it: {@code OK} or the errno's name. */
    static String result(SyscallResult r) {
        return r.toString();
    }

    /**
     * How {@code /proc/modules} shows {@code m}: {@code gone}, or {@code State/refcount} for each line naming it
     * (two lines, {@code Live/0+Live/0}, would be two modules of one name).
     */
    static String view(SimulatedKernel kernel) {
        List<String> lines = new ArrayList<>();
        for (LoadedModule mod : kernel.loadedModules()) {
            if (mod.name().value().equals(M)) {
                lines.add(mod.state().procText() + "/" + mod.refcount());
            }
        }
        return lines.isEmpty() ? "gone" : String.join("+", lines);
    }

    /** Whether the global taint mask has R (TAINT_FORCED_RMMOD). */
    static boolean taintedR(SimulatedKernel kernel) {
        return (kernel.taintedMask() & Taint.FORCED_RMMOD.mask()) != 0;
    }

    /**
     * Makes the kernel call {@code wake_up_all(&module_wq)} through the public API only: loading {@code kick} ends in
     * {@code do_init_module}, which wakes the queue. A sleeper that missed its wake-up re-checks its condition.
     */
    static void kick(SimulatedKernel kernel) {
        kernel.loadModule(KICK, "");
    }

    /** Waits (spinning, then yielding, then parking) until {@code done} holds or {@code millis} pass. */
    static boolean awaitBounded(BooleanSupplier done, long millis) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (int spins = 0; !done.getAsBoolean(); spins++) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            if (spins < 1_000) {
                Thread.onSpinWait();
            } else if (spins < 2_000) {
                Thread.yield();
            } else {
                LockSupport.parkNanos(50_000);
            }
        }
        return true;
    }
}
