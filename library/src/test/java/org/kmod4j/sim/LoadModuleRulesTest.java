package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.FAILINIT;
import static org.kmod4j.sim.Kernels.SLOW;
import static org.kmod4j.sim.Kernels.TARGET;
import static org.kmod4j.sim.Kernels.USER_A;
import static org.kmod4j.sim.Kernels.inTasks;
import static org.kmod4j.sim.Kernels.load;

import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;

/**
 * The load side (finit_module), enough to build every state: docs/kernel-rules.md, "Module states", and the issue's
 * load rules.
 */
class LoadModuleRulesTest {

    @Test
    void loadingALoadedModuleGivesEexist() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertEquals(Errno.EEXIST, k.loadModule(TARGET, "").error());
    }

    @Test
    void loadingWhileTheSameNameIsGoingGivesEbusy() {
        SimulatedKernel k = Kernels.debian();
        assertTrue(k.loadModule(SLOW, "exit_ms=1000").isOk());
        Errno[] seen = new Errno[1];
        inTasks(k, () -> k.deleteModule(SLOW, 0x800), () -> {
            k.clock().sleep(100);
            seen[0] = k.loadModule(SLOW, "").error();
        });
        assertEquals(Errno.EBUSY, seen[0]);
    }

    @Test
    void loadingWhileTheSameNameIsComingWaitsThenGivesEexist() {
        SimulatedKernel k = Kernels.debian();
        Errno[] seen = new Errno[1];
        long[] finishedAt = new long[1];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=1000"), () -> {
            k.clock().sleep(100);
            seen[0] = k.loadModule(SLOW, "").error();
            finishedAt[0] = k.clock().nowMillis();
        });
        assertEquals(Errno.EEXIST, seen[0]);
        assertEquals(1000, finishedAt[0], "the second load waits for the first one's init");
    }

    @Test
    void unresolvedSymbolGivesEnoentAndLeavesNothingLoaded() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.ENOENT, k.loadModule(USER_A, "").error());
        assertTrue(k.loadedModules().isEmpty());
        assertTrue(k.log().text().contains("kmod4j_user_a: Unknown symbol kmod4j_target_value (err -2)"));
    }

    @Test
    void unresolvedSymbolStillTaintsTheKernel() {
        // check_modinfo() and the signature check run before symbol resolution.
        SimulatedKernel k = Kernels.debian();
        k.loadModule(USER_A, "");
        assertEquals(12288, k.taintedMask());
    }

    @Test
    void failingInitReturnsItsErrorAndTheModuleIsGone() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.ENODEV, k.loadModule(FAILINIT, "").error());
        assertFalse(Kernels.isLoaded(k, FAILINIT));
        assertTrue(k.loadModule(FAILINIT, "").error() == Errno.ENODEV, "it can be tried again");
    }

    @Test
    void loadWithoutCapSysModuleGivesEperm() {
        SimulatedKernel k = Kernels.debian();
        Task task = k.newTask("user");
        task.dropCapSysModule();
        assertEquals(Errno.EPERM, task.loadModule(TARGET, "").error());
        assertTrue(k.loadedModules().isEmpty());
        assertEquals(0, k.taintedMask(), "an unprivileged load changes nothing");
    }

    @Test
    void loadWhileModulesDisabledGivesEperm() {
        SimulatedKernel k = Kernels.debian();
        k.setModulesDisabled(1);
        assertEquals(Errno.EPERM, k.loadModule(TARGET, "").error());
    }

    @Test
    void loadOfAFileThatDoesNotExistGivesEnoentBeforeThePrivilegeCheck() {
        SimulatedKernel k = Kernels.debian();
        Task task = k.newTask("user");
        task.dropCapSysModule();
        assertEquals(Errno.ENOENT, task.loadModule("no_such_module", "").error());
    }

    @Test
    void userLoadedWhileItsTargetIsComingWaitsForTheTargetsInit() {
        SimulatedKernel k = SimulatedKernel.builder()
                .module(ModuleImage.builder("slow_target").exports("sym").parameters("init_ms")
                        .init(ModuleImage.Function.takingParameter("init_ms")).build())
                .module(ModuleImage.builder("user").uses("sym").build()).build();
        SyscallResult[] user = new SyscallResult[1];
        long[] at = new long[1];
        inTasks(k, () -> k.loadModule("slow_target", "init_ms=500"), () -> {
            k.clock().sleep(100);
            user[0] = k.loadModule("user", "");
            at[0] = k.clock().nowMillis();
        });
        assertTrue(user[0].isOk());
        assertEquals(500, at[0]);
    }

    @Test
    void moduleIsComingWhileInitRunsThenLive() {
        SimulatedKernel k = Kernels.debian();
        ModuleState[] during = new ModuleState[1];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=300"), () -> {
            k.clock().sleep(100);
            during[0] = k.loadedModules().get(0).state();
        });
        assertEquals(ModuleState.COMING, during[0]);
        assertEquals(ModuleState.LIVE, k.loadedModules().get(0).state());
    }

    @Test
    void slowInitAndExitAdvanceTheVirtualClock() {
        SimulatedKernel k = Kernels.debian();
        assertTrue(k.loadModule(SLOW, "init_ms=250 exit_ms=750").isOk());
        assertEquals(250, k.clock().nowMillis());
        assertTrue(k.deleteModule(SLOW, 0x800).isOk());
        assertEquals(1000, k.clock().nowMillis());
    }

    @Test
    void unknownModuleParameterIsLoggedAndIgnored() {
        SimulatedKernel k = Kernels.debian();
        assertTrue(k.loadModule(SLOW, "bogus=1").isOk());
        assertTrue(k.log().text().contains("kmod4j_slow: unknown parameter 'bogus' ignored"));
    }

    @Test
    void duplicateExportIsRefusedWithEnoexec() {
        SimulatedKernel k = SimulatedKernel.builder()
                .module(ModuleImage.builder("one").exports("sym").build())
                .module(ModuleImage.builder("two").exports("sym").build()).build();
        load(k, "one");
        assertEquals(Errno.ENOEXEC, k.loadModule("two", "").error());
        assertFalse(Kernels.isLoaded(k, "two"));
    }
}
