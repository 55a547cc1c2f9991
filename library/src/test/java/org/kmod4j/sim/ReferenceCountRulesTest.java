package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.DEVICE;
import static org.kmod4j.sim.Kernels.SLOW;
import static org.kmod4j.sim.Kernels.TARGET;
import static org.kmod4j.sim.Kernels.USER_A;
import static org.kmod4j.sim.Kernels.USER_B;
import static org.kmod4j.sim.Kernels.inTasks;
import static org.kmod4j.sim.Kernels.load;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleName;

/**
 * References: the base reference, try_module_get/module_put, dependents (docs/kernel-rules.md, "Reference counting",
 * "Dependencies").
 */
class ReferenceCountRulesTest {

    @Test
    void refcountReadsOneWhileComingBecauseOfTheInitHold() {
        SimulatedKernel k = Kernels.debian();
        int[] seen = new int[1];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=300"), () -> {
            k.clock().sleep(100);
            seen[0] = Kernels.refcount(k, SLOW);
        });
        assertEquals(1, seen[0]);
        assertEquals(0, Kernels.refcount(k, SLOW));
    }

    @Test
    void refcountReadsMinusOneWhileGoingAfterANormalStop() {
        SimulatedKernel k = Kernels.debian();
        k.loadModule(SLOW, "exit_ms=300");
        int[] seen = new int[1];
        inTasks(k, () -> k.deleteModule(SLOW, 0x800), () -> {
            k.clock().sleep(100);
            seen[0] = Kernels.refcount(k, SLOW);
        });
        assertEquals(-1, seen[0]);
    }

    @Test
    void tryModuleGetSucceedsWhileComing() {
        SimulatedKernel k = Kernels.debian();
        boolean[] got = new boolean[1];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=300"), () -> {
            k.clock().sleep(100);
            got[0] = k.tryModuleGet(SLOW).isPresent();
        });
        assertTrue(got[0]);
        assertEquals(1, Kernels.refcount(k, SLOW));
    }

    @Test
    void tryModuleGetIsRefusedOnceGoing() {
        SimulatedKernel k = Kernels.debian();
        k.loadModule(SLOW, "exit_ms=300");
        boolean[] got = {true};
        inTasks(k, () -> k.deleteModule(SLOW, 0x800), () -> {
            k.clock().sleep(100);
            got[0] = k.tryModuleGet(SLOW).isPresent();
        });
        assertFalse(got[0]);
    }

    @Test
    void openingTheDeviceOfAGoingModuleGivesEnodev() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        KernelModule mod;
        k.moduleMutex.lock();
        try {
            mod = k.findModule(TARGET);
        } finally {
            k.moduleMutex.unlock();
        }
        mod.state = org.kmod4j.api.ModuleState.GOING;
        assertEquals(Errno.ENODEV, k.openDevice(DEVICE).error());
    }

    @Test
    void openingAMissingDeviceGivesEnoent() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.ENOENT, k.openDevice(DEVICE).error());
    }

    @Test
    void eachReferenceAddsOneAndReleaseDropsIt() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        ModuleReference a = k.tryModuleGet(TARGET).orElseThrow();
        ModuleReference b = k.openDevice(DEVICE).reference();
        assertEquals(2, Kernels.refcount(k, TARGET));
        assertNull(a.release());
        assertNull(b.release());
        assertEquals(0, Kernels.refcount(k, TARGET));
    }

    @Test
    void releasingAReferenceTwiceIsRefused() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        ModuleReference a = k.tryModuleGet(TARGET).orElseThrow();
        a.release();
        assertThrows(IllegalStateException.class, a::release);
        assertEquals(0, Kernels.refcount(k, TARGET));
    }

    @Test
    void eachDependentIsAHolderAndAddsOneReference() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET, USER_A, USER_B);
        assertEquals(2, Kernels.refcount(k, TARGET));
        assertEquals(List.of(ModuleName.of(USER_B), ModuleName.of(USER_A)), k.loadedModules().stream()
                .filter(m -> m.name().value().equals(TARGET)).findFirst().orElseThrow().holders());
    }

    @Test
    void aModuleUsingSeveralSymbolsOfOneTargetHoldsOneReference() {
        SimulatedKernel k = SimulatedKernel.builder()
                .module(ModuleImage.builder("lib").exports("f", "g").build())
                .module(ModuleImage.builder("app").uses("f", "g").build()).build();
        load(k, "lib", "app");
        assertEquals(1, Kernels.refcount(k, "lib"));
    }

    @Test
    void forcedUnloadWithAReferenceHeldRecordsAnOopsWhenTheReferenceIsReleased() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        ModuleReference ref = k.openDevice(DEVICE).reference();
        assertTrue(k.deleteModule(TARGET, 0xa00).isOk());
        assertTrue(k.oopses().isEmpty(), "nothing happens until the reference is dropped");
        Oops oops = ref.release();
        assertNotNull(oops);
        assertEquals(TARGET, oops.module());
        assertEquals(List.of(oops), k.oopses());
        assertTrue(k.log().text().contains("BUG: unable to handle page fault"));
    }

    @Test
    void tryModuleGetOfAnUnloadedModuleIsRefused() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Optional.empty(), k.tryModuleGet(TARGET));
    }
}
