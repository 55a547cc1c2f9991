package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.inTasks;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.UserString;
import org.kmod4j.sim.KernelProfile.Generation;
import org.kmod4j.sim.KernelProfile.NameCopy;
import org.kmod4j.sim.KernelProfile.StopRule;
import org.kmod4j.sim.time.RealClock;

/**
 * The rules of each kernel generation (docs/kernel-rules.md, "Generations" and "Numbers and flags";
 * docs/kernel-generations.md).
 */
class KernelGenerationRulesTest {
    private static final int NB = 0x800;
    private static final int TRUNC = 0x200;

    private static SimulatedKernel kernel(String release) {
        return SimulatedKernel.builder().profile(KernelProfile.forRelease(release))
                .module(ModuleImage.builder("dev").device("/dev/dev").build())
                .module(ModuleImage.builder("perm").exit(null).build())
                .module(ModuleImage.builder("lib").exports("sym").build())
                .module(ModuleImage.builder("app").uses("sym").build())
                .module(ModuleImage.builder("slow").parameters("init_ms")
                        .init(ModuleImage.Function.takingParameter("init_ms")).build())
                .build();
    }

    @Test
    void profilesAreChosenByRelease() {
        assertEquals(Generation.LINUX_2_4, KernelProfile.forRelease("2.4.27").generation());
        assertEquals(Generation.LINUX_2_6, KernelProfile.forRelease("2.6.32").generation());
        assertEquals(Generation.LINUX_2_6, KernelProfile.forRelease("3.12.74").generation());
        assertEquals(Generation.LINUX_3_13, KernelProfile.forRelease("3.14.79").generation());
        assertEquals(Generation.LINUX_3_15, KernelProfile.forRelease("3.15").generation());
        assertEquals(StopRule.REFCOUNT_CHECK, KernelProfile.forRelease("3.18.140").stopRule());
        assertEquals(StopRule.BASE_REFERENCE, KernelProfile.forRelease("4.19.0-27-amd64").stopRule());
        assertThrows(IllegalArgumentException.class, () -> KernelProfile.forRelease("2.2.26"));
    }

    @Test
    void nameCopyFixIsIn6_1_149And6_12_43OnAndBothDebian12KernelsHaveIt() {
        // Commit a6323bd4e611, backported: first in 6.1.149 and 6.12.43 (KernelVersion.hasNameCopyFix cites where).
        assertEquals(NameCopy.TRUNCATE, KernelProfile.forRelease("6.1.148").nameCopy());
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.1.149").nameCopy());
        assertEquals(NameCopy.TRUNCATE, KernelProfile.forRelease("6.12.42").nameCopy());
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.12.43").nameCopy());
        assertEquals(NameCopy.TRUNCATE, KernelProfile.forRelease("6.6.102").nameCopy());
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.6.103").nameCopy());
        assertEquals(NameCopy.TRUNCATE, KernelProfile.forRelease("6.16.1").nameCopy());
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.16.2").nameCopy());
        // Booted under QEMU: 6.1.192 (Debian 6.1.0-57) and 6.12.117 (6.12.117+deb12), name_56_plus_chars.
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.debian12().nameCopy());
        assertEquals(NameCopy.REJECT_UNTERMINATED, KernelProfile.forRelease("6.12.117").nameCopy());
    }

    @Test
    void debian12s612ProfileDiffersFrom61OnlyInJoiningALoadOfTheSameFileUnderWay() {
        // Every conformance scenario gave the same records on both real kernels but for module sizes (the
        // scenarios' data, size@6.12=) and load_while_coming: 6.12.117 joins a load under way (6.5's
        // idempotent_init_module), 6.1.192 gives EEXIST. Nothing else tells the two profiles apart.
        KernelProfile p61 = KernelProfile.debian12();
        KernelProfile p612 = KernelProfile.forRelease("6.12.117");
        assertEquals("6.1", p61.series());
        assertEquals("6.12", p612.series());
        assertFalse(p61.idempotentFileLoad());
        assertTrue(p612.idempotentFileLoad());
        assertFalse(KernelProfile.forRelease("6.4.16").idempotentFileLoad());
        assertTrue(KernelProfile.forRelease("6.5").idempotentFileLoad());
        assertEquals(p61, p612.toBuilder().release(p61.release()).idempotentFileLoad(false).build());
    }

    @Test
    void from65ASecondLoadOfAComingModuleWaitsForItsInitAndReturnsItsResultNotEexist() {
        for (String release : new String[] {"6.1.192", "6.12.117"}) {
            SimulatedKernel k = kernel(release);
            SyscallResult[] second = new SyscallResult[1];
            long[] at = new long[1];
            inTasks(k, () -> k.loadModule("slow", "init_ms=5000"), () -> {
                k.clock().sleep(1500);
                second[0] = k.loadModule("slow", "");
                at[0] = k.clock().nowMillis();
            });
            // Both wait for the first load's init to end (module_patient_check_exists on 6.1, the joined load on
            // 6.12); only 6.1 then refuses.
            assertEquals(5000, at[0], release);
            if (release.startsWith("6.12")) {
                assertTrue(second[0].isOk(), release + ": " + second[0]);
            } else {
                assertEquals(Errno.EEXIST, second[0].error(), release);
            }
            assertTrue(Kernels.isLoaded(k, "slow"), release);
        }
    }

    @Test
    void onlyReleases2616OnTaintRAndEarlierTaintF() {
        assertEquals(Taint.FORCED_MODULE, KernelProfile.forRelease("2.6.15").forcedUnloadTaint());
        assertEquals(Taint.FORCED_RMMOD, KernelProfile.forRelease("2.6.16").forcedUnloadTaint());
        SimulatedKernel k = kernel("2.6.12");
        k.loadModule("perm", "");
        assertTrue(k.deleteModule("perm", NB | TRUNC).isOk());
        assertEquals(Taint.FORCED_MODULE.mask(), k.taintedMask());
    }

    @Test
    void modulesDisabledExistsFrom2631() {
        assertEquals(Errno.ENOENT, kernel("2.6.30").writeFile("/proc/sys/kernel/modules_disabled", "1\n").error());
        assertTrue(kernel("2.6.31").writeFile("/proc/sys/kernel/modules_disabled", "1\n").isOk());
    }

    @Test
    void linux26WithoutNonblockMarksGoingAtOnceAndWaitsForTheLastReference() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        ModuleReference ref = k.tryModuleGet("dev").orElseThrow();
        SyscallResult[] del = new SyscallResult[1];
        long[] returnedAt = new long[1];
        ModuleState[] whileWaiting = new ModuleState[1];
        boolean[] getWhileWaiting = {true};
        inTasks(k, () -> {
            del[0] = k.deleteModule("dev", 0);
            returnedAt[0] = k.clock().nowMillis();
        }, () -> {
            k.clock().sleep(500);
            whileWaiting[0] = k.loadedModules().get(0).state();
            getWhileWaiting[0] = k.tryModuleGet("dev").isPresent();
            ref.release();
        });
        assertTrue(del[0].isOk());
        assertEquals(500, returnedAt[0], "the unload returns when the reference is dropped");
        assertEquals(ModuleState.GOING, whileWaiting[0]);
        assertFalse(getWhileWaiting[0], "no new reference once GOING");
        assertTrue(k.loadedModules().isEmpty());
    }

    @Test
    void linux26WaitIsUninterruptible() throws Exception {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("3.0.27"))
                .clock(new RealClock()).module(ModuleImage.builder("dev").build()).build();
        k.loadModule("dev", "");
        ModuleReference ref = k.tryModuleGet("dev").orElseThrow();
        SyscallResult[] del = new SyscallResult[1];
        boolean[] interruptKept = new boolean[1];
        CountDownLatch started = new CountDownLatch(1);
        Thread rmmod = Thread.ofPlatform().start(() -> {
            started.countDown();
            del[0] = k.deleteModule("dev", 0);
            interruptKept[0] = Thread.currentThread().isInterrupted();
        });
        started.await();
        while (k.loadedModules().get(0).state() != ModuleState.GOING) {
            Thread.onSpinWait();
        }
        rmmod.interrupt();
        rmmod.join(200);
        assertTrue(rmmod.isAlive(), "an interrupt does not wake TASK_UNINTERRUPTIBLE");
        ref.release();
        rmmod.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(rmmod.isAlive());
        assertTrue(del[0].isOk());
        assertTrue(interruptKept[0], "the signal stays pending after the sleep");
    }

    @Test
    void linux26WithNonblockAndReferencesGivesEwouldblock() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        assertEquals(Errno.EWOULDBLOCK, k.deleteModule("dev", NB).error());
        assertEquals(ModuleState.LIVE, k.loadedModules().get(0).state());
    }

    @Test
    void linux26NonblockWithTruncForcesAndTaints() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        assertTrue(k.deleteModule("dev", NB | TRUNC).isOk());
        assertEquals(Taint.FORCED_RMMOD.mask(), k.taintedMask());
    }

    @Test
    void linux26TruncWithoutNonblockStillWaitsForReferences() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        ModuleReference ref = k.tryModuleGet("dev").orElseThrow();
        long[] returnedAt = new long[1];
        inTasks(k, () -> {
            k.deleteModule("dev", TRUNC);
            returnedAt[0] = k.clock().nowMillis();
        }, () -> {
            k.clock().sleep(300);
            ref.release();
        });
        assertEquals(300, returnedAt[0]);
        assertEquals(0, k.taintedMask(), "forcing was never consulted");
    }

    @Test
    void linux26PermanentModuleForcedWithoutNonblockDoesNotWait() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("perm", "");
        k.tryModuleGet("perm").orElseThrow();
        assertTrue(k.deleteModule("perm", TRUNC).isOk(), "forced as permanent: 'Never wait if forced'");
        assertTrue(k.loadedModules().isEmpty());
    }

    @Test
    void linux26GoingModuleShowsItsReferencesNotMinusOne() {
        SimulatedKernel k = kernel("2.6.32");
        k.loadModule("dev", "");
        ModuleReference ref = k.tryModuleGet("dev").orElseThrow();
        int[] shown = new int[1];
        inTasks(k, () -> k.deleteModule("dev", 0), () -> {
            k.clock().sleep(100);
            shown[0] = k.loadedModules().get(0).refcount();
            ref.release();
        });
        assertEquals(1, shown[0]);
    }

    @Test
    void linux260LetsAComingModuleThroughTheStateCheck() {
        SimulatedKernel k = kernel("2.6.0");
        Errno[] seen = new Errno[1];
        inTasks(k, () -> k.loadModule("slow", "init_ms=500"), () -> {
            k.clock().sleep(100);
            seen[0] = k.deleteModule("slow", NB).error();
        });
        assertEquals(Errno.EWOULDBLOCK, seen[0], "2.6.0 only refused GOING; the init hold makes it busy");
    }

    @Test
    void linux260ProcModulesHasNoTaintColumn() throws Exception {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("2.6.0"))
                .module(ModuleImage.builder("m").taints(Taint.ofLetters("P")).build()).build();
        k.loadModule("m", "");
        assertTrue(k.readFile("/proc/modules").matches("m 16384 0 - Live 0x[0-9a-f]{16}\n"));
    }

    @Test
    void linux313NeverWaitsAndWarnsWithoutNonblock() {
        SimulatedKernel k = kernel("3.13");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        assertEquals(Errno.EWOULDBLOCK, k.deleteModule("dev", 0).error());
        assertEquals(List.of("waiting module removal not supported: please upgrade"), List.of(
                k.log().takeMessages().strip()));
        assertEquals(Errno.EWOULDBLOCK, k.deleteModule("dev", NB).error());
        assertEquals("", k.log().takeMessages(), "no warning with O_NONBLOCK");
    }

    @Test
    void linux313WarningHasNoNewlineSoTheNextMessageRunsIntoIt() {
        SimulatedKernel k = kernel("3.13");
        k.deleteModule("nosuch", 0);
        k.log().print("next message");
        assertEquals(1, k.log().lines().size());
        assertTrue(k.log().lines().get(0).matches(
                "\\[ *\\d+\\.\\d{6}\\] waiting module removal not supported: please upgrade\\[ *\\d+\\.\\d{6}\\] next message"));
    }

    @Test
    void linux315OnDoesNotReadNonblock() {
        SimulatedKernel k = kernel("3.15");
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        assertEquals(Errno.EWOULDBLOCK, k.deleteModule("dev", 0).error());
        assertEquals("", k.log().takeMessages());
    }

    @Test
    void oldDuplicateLoadGivesEexistEvenWhileGoing() {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("3.0.27"))
                .module(ModuleImage.builder("m").parameters("exit_ms")
                        .exit(ModuleImage.Function.takingParameter("exit_ms")).build()).build();
        k.loadModule("m", "exit_ms=500");
        Errno[] seen = new Errno[1];
        inTasks(k, () -> k.deleteModule("m", NB), () -> {
            k.clock().sleep(100);
            seen[0] = k.loadModule("m", "").error();
        });
        assertEquals(Errno.EEXIST, seen[0]);
    }

    @Test
    void linux38To60LoadWaitsForAGoingModuleThenLoads() {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("5.10.0"))
                .module(ModuleImage.builder("m").parameters("exit_ms")
                        .exit(ModuleImage.Function.takingParameter("exit_ms")).build()).build();
        k.loadModule("m", "exit_ms=500");
        SyscallResult[] seen = new SyscallResult[1];
        long[] at = new long[1];
        inTasks(k, () -> k.deleteModule("m", NB), () -> {
            k.clock().sleep(100);
            seen[0] = k.loadModule("m", "");
            at[0] = k.clock().nowMillis();
        });
        assertTrue(seen[0].isOk());
        assertEquals(500, at[0]);
    }

    @Test
    void linux24EmptyNameGivesEinvalAndAPageLongNameEnametoolong() {
        SimulatedKernel k = kernel("2.4.27");
        assertEquals(Errno.EINVAL, k.deleteModule("", 0).error());
        assertEquals(Errno.ENAMETOOLONG, k.deleteModule("x".repeat(4096), 0).error());
        assertEquals(Errno.ENOENT, k.deleteModule("x".repeat(4095), 0).error());
        assertEquals(Errno.EFAULT, k.deleteModule(UserString.unmapped(8), 0).error());
    }

    @Test
    void linux24DependentsAndUseGiveEbusyAndThereIsNoForce() {
        SimulatedKernel k = kernel("2.4.27");
        k.loadModule("lib", "");
        k.loadModule("app", "");
        assertEquals(Errno.EBUSY, k.deleteModule("lib", NB | TRUNC).error());
        k.loadModule("dev", "");
        k.tryModuleGet("dev").orElseThrow();
        assertEquals(Errno.EBUSY, k.deleteModule("dev", NB | TRUNC).error());
        assertEquals(0, k.taintedMask());
    }

    @Test
    void linux24NullNameRunsTheAutocleanSweepWithASecondChance() {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("2.4.27"))
                .module(ModuleImage.builder("used").autoclean(true).build())
                .module(ModuleImage.builder("never_used").autoclean(true).build())
                .module(ModuleImage.builder("not_autoclean").build()).build();
        for (String m : new String[] {"used", "never_used", "not_autoclean"}) {
            k.loadModule(m, "");
            assertNull(k.tryModuleGet(m).map(ModuleReference::release).orElse(null));
        }
        k.loadModule("never_used", ""); // EEXIST, no effect
        SimulatedKernel fresh = SimulatedKernel.builder().profile(KernelProfile.forRelease("2.4.27"))
                .module(ModuleImage.builder("used").autoclean(true).build())
                .module(ModuleImage.builder("never_used").autoclean(true).build()).build();
        fresh.loadModule("used", "");
        fresh.loadModule("never_used", "");
        fresh.tryModuleGet("used").orElseThrow().release();
        assertTrue(fresh.deleteModule(UserString.unmapped(0), 0).isOk());
        assertEquals(2, fresh.loadedModules().size(), "used since the last sweep: only VISITED is cleared");
        assertTrue(fresh.deleteModule(UserString.unmapped(0), 0).isOk());
        assertEquals(List.of("never_used"), fresh.loadedModules().stream().map(m -> m.name().value()).toList(),
                "a module never used (not USED_ONCE) is never swept");
    }

    @Test
    void linux24QueryAndCreateModuleExistButLaterKernelsGiveEnosys() {
        SimulatedKernel old = kernel("2.4.27");
        old.loadModule("lib", "");
        old.loadModule("app", "");
        assertEquals(List.of("app", "lib"), old.queryModule(UserString.unmapped(0),
                QueryModuleResult.Which.QM_MODULES).names());
        assertEquals(List.of("app"), old.queryModule(UserString.of("lib"), QueryModuleResult.Which.QM_REFS).names());
        assertEquals(List.of("lib"), old.queryModule(UserString.of("app"), QueryModuleResult.Which.QM_DEPS).names());
        assertEquals(1, old.queryModule(UserString.of("app"), QueryModuleResult.Which.QM_INFO).info().flags() & 1);
        assertTrue(old.createModule(UserString.of("fresh"), 4096).isOk());
        assertEquals(Errno.EEXIST, old.createModule(UserString.of("fresh"), 4096).error());

        SimulatedKernel modern = kernel("6.1.192");
        assertEquals(Errno.ENOSYS, modern.queryModule(UserString.unmapped(0), QueryModuleResult.Which.QM_MODULES)
                .error());
        assertEquals(Errno.ENOSYS, modern.createModule(UserString.of("x"), 4096).error());
    }

    @Test
    void linux24HasNoSysfs() {
        SimulatedKernel k = kernel("2.4.27");
        k.loadModule("dev", "");
        assertEquals(Errno.ENOENT, assertThrows(org.kmod4j.api.ViewException.class,
                () -> k.readFile("/sys/module/dev/refcnt")).errno());
    }
}
