package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.DEVICE;
import static org.kmod4j.sim.Kernels.NOEXIT;
import static org.kmod4j.sim.Kernels.NOINIT;
import static org.kmod4j.sim.Kernels.TARGET;
import static org.kmod4j.sim.Kernels.USER_A;
import static org.kmod4j.sim.Kernels.inTasks;
import static org.kmod4j.sim.Kernels.load;

import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * delete_module on Linux >= 3.15: each step of docs/kernel-rules.md "Check order" and each row of its "Decision table".
 */
class DeleteModuleRulesTest {
    private static final int NB = RemoveFlag.NONBLOCK.bit();
    private static final int TRUNC = RemoveFlag.FORCE.bit();
    private static final int NB_TRUNC = NB | TRUNC;

    private static Errno error(SyscallResult r) {
        return r.error();
    }

    @Test
    void idleModuleIsUnloaded() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertTrue(k.deleteModule(TARGET, NB).isOk());
        assertFalse(Kernels.isLoaded(k, TARGET));
    }

    @Test
    void missingCapSysModuleGivesEpermBeforeTheNameIsRead() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        Task task = k.newTask("user");
        task.dropCapSysModule();
        assertEquals(Errno.EPERM, error(task.deleteModule(UserString.unmapped(0), 0)));
        assertEquals(Errno.EPERM, error(task.deleteModule("no_such_module", 0)));
        assertEquals(Errno.EPERM, error(task.deleteModule(TARGET, NB)));
        assertTrue(Kernels.isLoaded(k, TARGET));
    }

    @Test
    void modulesDisabledGivesEpermEvenToRootAndBeforeEfault() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertTrue(k.setModulesDisabled(1).isOk());
        assertEquals(Errno.EPERM, error(k.deleteModule(TARGET, NB)));
        assertEquals(Errno.EPERM, error(k.deleteModule(UserString.unmapped(8), NB)));
        assertTrue(Kernels.isLoaded(k, TARGET));
    }

    @Test
    void badNamePointerGivesEfault() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.EFAULT, error(k.deleteModule(UserString.unmapped(0), NB)));
        assertEquals(Errno.EFAULT, error(k.deleteModule(UserString.unmapped(8), NB)));
    }

    @Test
    void emptyNameGivesEnoentInBothNameCopyVariants() {
        for (KernelProfile.NameCopy variant : new KernelProfile.NameCopy[] {
                KernelProfile.NameCopy.TRUNCATE, KernelProfile.NameCopy.REJECT_UNTERMINATED}) {
            KernelProfile profile = KernelProfile.debian12().toBuilder().nameCopy(variant).build();
            SimulatedKernel k = Kernels.builder().profile(profile).build();
            assertEquals(Errno.ENOENT, error(k.deleteModule("", NB)), variant.name());
        }
    }

    @Test
    void unknownNameGivesEnoent() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.ENOENT, error(k.deleteModule("no_such_module", NB)));
    }

    @Test
    void namesCompareExactlyWithoutCaseOrDashFolding() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertEquals(Errno.ENOENT, error(k.deleteModule("kmod4j-target", NB)));
        assertEquals(Errno.ENOENT, error(k.deleteModule("KMOD4J_TARGET", NB)));
        assertTrue(Kernels.isLoaded(k, TARGET));
    }

    @Test
    void truncatingNameCopyUnloadsTheModuleNamedByTheFirst55Bytes() {
        String name55 = "m".repeat(55);
        SimulatedKernel k = SimulatedKernel.builder()
                .profile(KernelProfile.debian12().toBuilder().nameCopy(KernelProfile.NameCopy.TRUNCATE).build())
                .module(ModuleImage.builder(name55).build()).build();
        load(k, name55);
        assertTrue(k.deleteModule(name55 + "XYZ", NB).isOk());
        assertFalse(Kernels.isLoaded(k, name55));
    }

    @Test
    void rejectingNameCopyGivesEnoentWithoutNulInFirst56BytesButTakes55() {
        String name55 = "m".repeat(55);
        SimulatedKernel k = SimulatedKernel.builder()
                .profile(KernelProfile.debian12().toBuilder().nameCopy(KernelProfile.NameCopy.REJECT_UNTERMINATED)
                        .build())
                .module(ModuleImage.builder(name55).build()).build();
        load(k, name55);
        assertEquals(Errno.ENOENT, error(k.deleteModule(name55 + "X", NB)));
        assertTrue(Kernels.isLoaded(k, name55));
        assertTrue(k.deleteModule(name55, NB).isOk());
    }

    @Test
    void debian12And617CarryTheNameCopyFixButOlderStablesTruncate() {
        assertEquals(KernelProfile.NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.1.192").nameCopy());
        assertEquals(KernelProfile.NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.17").nameCopy());
        assertEquals(KernelProfile.NameCopy.TRUNCATE, KernelProfile.forRelease("6.1.100").nameCopy());
        assertEquals(KernelProfile.NameCopy.TRUNCATE, KernelProfile.forRelease("5.10.0-23-amd64").nameCopy());
    }

    @Test
    void dependentsGiveEwouldblockAndForceDoesNotOverrideIt() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET, USER_A);
        for (int flags : new int[] {0, NB, TRUNC, NB_TRUNC}) {
            assertEquals(Errno.EWOULDBLOCK, error(k.deleteModule(TARGET, flags)), RemoveFlags.describe(flags));
        }
        assertTrue(Kernels.isLoaded(k, TARGET));
        assertEquals(0, k.taintedMask() & org.kmod4j.api.Taint.FORCED_RMMOD.mask());
    }

    @Test
    void dependentsAreCheckedBeforeTheState() {
        // A GOING module can have no users, so the order shows on a COMING module used by nobody... and on a LIVE
        // one with users: EWOULDBLOCK, not EBUSY, even for a permanent module with users.
        SimulatedKernel k = SimulatedKernel.builder()
                .module(ModuleImage.builder("perm_target").exports("sym").exit(null).build())
                .module(ModuleImage.builder("perm_user").uses("sym").build()).build();
        load(k, "perm_target", "perm_user");
        assertEquals(Errno.EWOULDBLOCK, error(k.deleteModule("perm_target", NB)));
    }

    @Test
    void comingModuleGivesEbusyEvenWhenForced() {
        SimulatedKernel k = Kernels.debian();
        Errno[] seen = new Errno[2];
        inTasks(k, () -> k.loadModule(Kernels.SLOW, "init_ms=1000"), () -> {
            k.clock().sleep(100);
            seen[0] = k.deleteModule(Kernels.SLOW, NB).error();
            seen[1] = k.deleteModule(Kernels.SLOW, NB_TRUNC).error();
        });
        assertEquals(Errno.EBUSY, seen[0]);
        assertEquals(Errno.EBUSY, seen[1]);
        assertTrue(Kernels.isLoaded(k, Kernels.SLOW));
    }

    @Test
    void goingModuleGivesEbusyToASecondDelete() {
        SimulatedKernel k = Kernels.debian();
        assertTrue(k.loadModule(Kernels.SLOW, "exit_ms=1000").isOk());
        SyscallResult[] first = new SyscallResult[1];
        Errno[] second = new Errno[1];
        inTasks(k, () -> first[0] = k.deleteModule(Kernels.SLOW, NB), () -> {
            k.clock().sleep(100);
            second[0] = k.deleteModule(Kernels.SLOW, NB_TRUNC).error();
        });
        assertTrue(first[0].isOk());
        assertEquals(Errno.EBUSY, second[0]);
        assertFalse(Kernels.isLoaded(k, Kernels.SLOW));
    }

    @Test
    void permanentModuleGivesEbusyWithoutForce() {
        SimulatedKernel k = Kernels.debian();
        load(k, NOEXIT);
        assertEquals(Errno.EBUSY, error(k.deleteModule(NOEXIT, NB)));
        assertEquals(Errno.EBUSY, error(k.deleteModule(NOEXIT, 0)));
        assertTrue(Kernels.isLoaded(k, NOEXIT));
    }

    @Test
    void permanentModuleIsUnloadedWithTruncAndForceUnloadAndTaintsR() {
        SimulatedKernel k = Kernels.debian();
        load(k, NOEXIT);
        long before = k.taintedMask();
        assertTrue(k.deleteModule(NOEXIT, NB_TRUNC).isOk());
        assertFalse(Kernels.isLoaded(k, NOEXIT));
        assertEquals(before | 8, k.taintedMask());
    }

    @Test
    void permanentModuleStaysWithTruncWhenForceUnloadIsNotConfigured() {
        SimulatedKernel k = Kernels.builder().config(KernelConfig.debian().withForceUnload(false)).build();
        load(k, NOEXIT);
        assertEquals(Errno.EBUSY, error(k.deleteModule(NOEXIT, NB_TRUNC)));
        assertEquals(0, k.taintedMask() & 8);
    }

    @Test
    void moduleWithNeitherInitNorExitIsNotPermanentAndUnloads() {
        SimulatedKernel k = Kernels.debian();
        load(k, NOINIT);
        assertFalse(k.loadedModules().get(0).permanent());
        assertTrue(k.deleteModule(NOINIT, NB).isOk());
    }

    @Test
    void heldReferenceGivesEwouldblockWithOrWithoutNonblock() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        ModuleReference ref = k.openDevice(DEVICE).reference();
        assertEquals(Errno.EWOULDBLOCK, error(k.deleteModule(TARGET, NB)));
        assertEquals(Errno.EWOULDBLOCK, error(k.deleteModule(TARGET, 0)));
        // The base reference is restored: the module is still LIVE and can be got.
        assertEquals(1, Kernels.refcount(k, TARGET));
        assertTrue(k.tryModuleGet(TARGET).isPresent());
        ref.release();
    }

    @Test
    void heldReferenceWithTruncButNoForceUnloadConfigGivesEwouldblock() {
        SimulatedKernel k = Kernels.builder().config(KernelConfig.debian().withForceUnload(false)).build();
        load(k, TARGET);
        k.openDevice(DEVICE);
        assertEquals(Errno.EWOULDBLOCK, error(k.deleteModule(TARGET, NB_TRUNC)));
        assertTrue(Kernels.isLoaded(k, TARGET));
    }

    @Test
    void forcedUnloadDespiteReferencesSucceedsAndTaintsR() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        k.openDevice(DEVICE);
        assertTrue(k.deleteModule(TARGET, NB_TRUNC).isOk());
        assertFalse(Kernels.isLoaded(k, TARGET));
        assertEquals(8, k.taintedMask() & 8);
    }

    @Test
    void truncOnAnIdleModuleDoesNotTaint() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertTrue(k.deleteModule(TARGET, NB_TRUNC).isOk());
        assertEquals(0, k.taintedMask() & 8);
    }

    @Test
    void nonblockAndUnknownFlagBitsAreIgnored() {
        for (int flags : new int[] {0, NB, 0x40000000, 0xFFFFFFFF & ~TRUNC, 1}) {
            SimulatedKernel k = Kernels.debian();
            load(k, TARGET);
            assertTrue(k.deleteModule(TARGET, flags).isOk(), RemoveFlags.describe(flags));
        }
    }

    @Test
    void unloadingAUserReleasesItsReferenceOnTheTarget() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET, USER_A);
        assertEquals(1, Kernels.refcount(k, TARGET));
        assertTrue(k.deleteModule(USER_A, NB).isOk());
        assertEquals(0, Kernels.refcount(k, TARGET));
        assertTrue(k.deleteModule(TARGET, NB).isOk());
    }

    @Test
    void secondDeleteOfTheSameModuleGivesEnoent() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertTrue(k.deleteModule(TARGET, NB).isOk());
        assertEquals(Errno.ENOENT, error(k.deleteModule(TARGET, NB)));
    }

    @Test
    void kernelWithoutModuleUnloadGivesEnosysEvenWithoutPrivilege() {
        SimulatedKernel k = Kernels.builder().config(KernelConfig.debian().withModuleUnload(false)).build();
        Task task = k.newTask("user");
        task.dropCapSysModule();
        assertEquals(Errno.ENOSYS, error(task.deleteModule("anything", 0)));
    }

    @Test
    void builtinModuleGivesEnoent() {
        SimulatedKernel k = Kernels.debian();
        assertEquals(Errno.ENOENT, error(k.deleteModule("printk", NB)));
    }

    @Test
    void signalWhileWaitingForTheContendedModuleMutexGivesEintr() throws Exception {
        SimulatedKernel k = Kernels.builder().clock(new org.kmod4j.sim.time.RealClock()).build();
        load(k, TARGET);
        SyscallResult[] result = new SyscallResult[1];
        k.moduleMutex.lock(); // another task is inside the module code
        try {
            Thread rmmod = Thread.ofPlatform().start(() -> result[0] = k.deleteModule(TARGET, NB));
            while (!k.moduleMutex.hasQueuedThread(rmmod)) {
                Thread.onSpinWait();
            }
            rmmod.interrupt();
            rmmod.join(10_000);
            assertFalse(rmmod.isAlive());
        } finally {
            k.moduleMutex.unlock();
        }
        assertEquals(Errno.EINTR, error(result[0]));
        assertTrue(Kernels.isLoaded(k, TARGET), "nothing changed");
    }
}
