package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.inTasks;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.TimedRemoval;

/** kmod4j's bounded wait, the intent of the 2004 page's four-argument delete_module (docs/kernel-generations.md). */
class BoundedWaitTest {

    private static SimulatedKernel kernel(String release) {
        return SimulatedKernel.builder().profile(KernelProfile.forRelease(release))
                .module(ModuleImage.builder("dev").build())
                .module(ModuleImage.builder("lib").exports("sym").build())
                .module(ModuleImage.builder("app").uses("sym").build()).build();
    }

    @Test
    void unloadsOnceTheLastReferenceIsDroppedAndReturnsTheTimeLeft() {
        SimulatedKernel k = kernel("6.1.192");
        k.loadModule("dev", "");
        ModuleReference ref = k.tryModuleGet("dev").orElseThrow();
        TimedRemoval[] r = new TimedRemoval[1];
        inTasks(k, () -> r[0] = k.deleteModuleWaiting("dev", 0, Duration.ofMillis(1000)), () -> {
            k.clock().sleep(300);
            ref.release();
        });
        assertTrue(r[0].result().isOk());
        assertEquals(Duration.ofMillis(700), r[0].remaining());
        assertTrue(k.loadedModules().isEmpty());
    }

    @Test
    void givesEwouldblockWithNoTimeLeftWhenTheTimeoutPasses() {
        SimulatedKernel k = kernel("6.1.192");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        TimedRemoval r = k.deleteModuleWaiting("dev", 0, Duration.ofMillis(250));
        assertEquals(Errno.EWOULDBLOCK, r.result().error());
        assertEquals(Duration.ZERO, r.remaining());
        assertEquals(250, k.clock().nowMillis());
        assertEquals(1, k.loadedModules().size());
    }

    @Test
    void otherErrorsReturnAtOnce() {
        SimulatedKernel k = kernel("6.1.192");
        TimedRemoval r = k.deleteModuleWaiting("nosuch", 0, Duration.ofSeconds(5));
        assertEquals(Errno.ENOENT, r.result().error());
        assertEquals(Duration.ofSeconds(5), r.remaining());
        assertEquals(0, k.clock().nowMillis());
    }

    @Test
    void waitsWhenAHolderGoesAway() {
        SimulatedKernel k = kernel("6.1.192");
        k.loadModule("lib", "");
        k.loadModule("app", "");
        TimedRemoval[] r = new TimedRemoval[1];
        inTasks(k, () -> r[0] = k.deleteModuleWaiting("lib", 0, Duration.ofSeconds(2)), () -> {
            k.clock().sleep(400);
            k.deleteModule("app", 0x800);
        });
        assertTrue(r[0].result().isOk());
        assertEquals(Duration.ofMillis(1600), r[0].remaining());
    }

    @Test
    void neverBlocksInsideTheKernelEvenOnLinux26() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        TimedRemoval r = k.deleteModuleWaiting("dev", 0, Duration.ofMillis(100));
        assertEquals(Errno.EWOULDBLOCK, r.result().error(), "every try passes O_NONBLOCK");
        assertEquals(org.kmod4j.api.ModuleState.LIVE, k.loadedModules().get(0).state());
    }
}
