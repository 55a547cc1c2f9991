package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.sim.Kernels.NOEXIT;
import static org.kmod4j.sim.Kernels.SLOW;
import static org.kmod4j.sim.Kernels.TARGET;
import static org.kmod4j.sim.Kernels.USER_A;
import static org.kmod4j.sim.Kernels.USER_B;
import static org.kmod4j.sim.Kernels.inTasks;
import static org.kmod4j.sim.Kernels.load;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ViewException;

/**
 * The text views, byte for byte, as docs/kernel-rules.md gives them: "/proc/modules", "/sys/module", the sysctls
 * ("modules_disabled", "Taint").
 */
class ViewFormatTest {
    private static final String ADDR = "0x[0-9a-f]{16}";

    private static String read(SimulatedKernel k, String path) {
        try {
            return k.readFile(path);
        } catch (ViewException e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> ls(SimulatedKernel k, String path) {
        try {
            return k.listDirectory(path);
        } catch (ViewException e) {
            throw new AssertionError(e);
        }
    }

    /** Replaces the 16-digit addresses so lines can be compared. */
    private static String masked(String text) {
        return text.replaceAll(ADDR, "0xADDR");
    }

    @Test
    void procModulesListsNewestFirstWithUsersEachFollowedByAComma() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET, USER_A, USER_B);
        assertEquals("""
                kmod4j_user_b 12288 0 - Live 0xADDR (OE)
                kmod4j_user_a 12288 0 - Live 0xADDR (OE)
                kmod4j_target 16384 2 kmod4j_user_b,kmod4j_user_a, Live 0xADDR (OE)
                """, masked(read(k, "/proc/modules")));
    }

    @Test
    void procModulesAddressIsZeroPaddedLowercaseHex() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertTrue(read(k, "/proc/modules").matches("kmod4j_target 16384 0 - Live 0x[0-9a-f]{16} \\(OE\\)\n"));
    }

    @Test
    void procModulesMarksPermanentModulesAfterTheUsers() {
        SimulatedKernel k = Kernels.debian();
        load(k, NOEXIT);
        assertEquals("kmod4j_noexit 12288 0 [permanent], Live 0xADDR (OE)\n", masked(read(k, "/proc/modules")));
    }

    @Test
    void procModulesShowsLoadingWithInitSizeRefcountOneAndPlus() {
        SimulatedKernel k = Kernels.debian();
        String[] seen = new String[1];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=300"), () -> {
            k.clock().sleep(100);
            seen[0] = read(k, "/proc/modules");
        });
        assertEquals("kmod4j_slow 16384 1 - Loading 0xADDR (OE+)\n", masked(seen[0]));
        assertEquals("kmod4j_slow 12288 0 - Live 0xADDR (OE)\n", masked(read(k, "/proc/modules")));
    }

    @Test
    void procModulesShowsUnloadingWithRefcountMinusOneAndMinus() {
        SimulatedKernel k = Kernels.debian();
        k.loadModule(SLOW, "exit_ms=300");
        String[] seen = new String[1];
        inTasks(k, () -> k.deleteModule(SLOW, 0x800), () -> {
            k.clock().sleep(100);
            seen[0] = read(k, "/proc/modules");
        });
        assertEquals("kmod4j_slow 12288 -1 - Unloading 0xADDR (OE-)\n", masked(seen[0]));
    }

    @Test
    void procModulesOmitsTheTaintFieldForAnUntaintedModule() {
        SimulatedKernel k = SimulatedKernel.builder().module(ModuleImage.builder("plain").coreSize(8192).build()).build();
        load(k, "plain");
        assertEquals("plain 8192 0 - Live 0xADDR\n", masked(read(k, "/proc/modules")));
    }

    @Test
    void procModulesWithoutModuleUnloadPrintsDashDash() {
        SimulatedKernel k = Kernels.builder().config(KernelConfig.debian().withModuleUnload(false)).build();
        load(k, TARGET);
        assertEquals("kmod4j_target 16384 - - Live 0xADDR (OE)\n", masked(read(k, "/proc/modules")));
    }

    @Test
    void emptyProcModulesIsEmpty() {
        assertEquals("", read(Kernels.debian(), "/proc/modules"));
    }

    @Test
    void sysfsAttributesOfALiveModule() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET, USER_A);
        assertEquals("1\n", read(k, "/sys/module/kmod4j_target/refcnt"));
        assertEquals("live\n", read(k, "/sys/module/kmod4j_target/initstate"));
        assertEquals("OE\n", read(k, "/sys/module/kmod4j_target/taint"));
        assertEquals("16384\n", read(k, "/sys/module/kmod4j_target/coresize"));
        assertEquals("0\n", read(k, "/sys/module/kmod4j_target/initsize"));
        assertEquals(List.of(USER_A), ls(k, "/sys/module/kmod4j_target/holders"));
    }

    @Test
    void sysfsShowsComingStateAndInitSizeWhileLoading() {
        SimulatedKernel k = Kernels.debian();
        String[] seen = new String[3];
        inTasks(k, () -> k.loadModule(SLOW, "init_ms=300"), () -> {
            k.clock().sleep(100);
            seen[0] = read(k, "/sys/module/kmod4j_slow/initstate");
            seen[1] = read(k, "/sys/module/kmod4j_slow/initsize");
            seen[2] = read(k, "/sys/module/kmod4j_slow/refcnt");
        });
        assertEquals(List.of("coming\n", "4096\n", "1\n"), List.of(seen));
    }

    @Test
    void sysfsModuleDirectoryListsTheKernelsEntriesInKernfsOrder() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        List<String> entries = ls(k, "/sys/module/kmod4j_target");
        // The order Debian's 6.1.192 printed for the conformance suite's modules (golden sysfs_listings.out).
        assertEquals(List.of("initsize", "uevent", "notes", "taint", "holders", "refcnt", "coresize", "initstate",
                "sections"), entries);
    }

    @Test
    void sysfsParametersDirectoryHoldsTheLoadsValues() {
        SimulatedKernel k = Kernels.debian();
        assertTrue(k.loadModule(SLOW, "init_ms=7").isOk());
        assertTrue(ls(k, "/sys/module/kmod4j_slow").contains("parameters"));
        assertEquals(List.of("init_ms", "exit_ms"), ls(k, "/sys/module/kmod4j_slow/parameters"));
        assertEquals("7\n", read(k, "/sys/module/kmod4j_slow/parameters/init_ms"));
        assertEquals("0\n", read(k, "/sys/module/kmod4j_slow/parameters/exit_ms"));
    }

    @Test
    void sysfsDirectoryOfAnUnloadedModuleIsGone() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        k.deleteModule(TARGET, 0x800);
        ViewException e = assertThrows(ViewException.class, () -> k.readFile("/sys/module/kmod4j_target/refcnt"));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void builtinModuleHasASysfsDirectoryButNoProcModulesLine() {
        SimulatedKernel k = Kernels.debian();
        assertEquals("", read(k, "/proc/modules"));
        assertEquals(List.of("uevent", "parameters"), ls(k, "/sys/module/printk"));
        assertEquals(List.of("time"), ls(k, "/sys/module/printk/parameters"));
        assertTrue(ls(k, "/sys/module").contains("printk"));
    }

    @Test
    void readingADirectoryGivesEisdirAndListingAFileGivesEnotdir() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertEquals(Errno.EISDIR,
                assertThrows(ViewException.class, () -> k.readFile("/sys/module/kmod4j_target")).errno());
        assertEquals(Errno.ENOTDIR,
                assertThrows(ViewException.class, () -> k.listDirectory("/proc/modules")).errno());
    }

    @Test
    void readingTheWriteOnlyUeventGivesEacces() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertEquals(Errno.EACCES,
                assertThrows(ViewException.class, () -> k.readFile("/sys/module/kmod4j_target/uevent")).errno());
    }

    @Test
    void kernfsOrderSortsByNameHashNotByName() {
        List<String> order = Kernfs.readdirOrder(List.of("a", "b", "c", "coresize", "refcnt"));
        for (int i = 1; i < order.size(); i++) {
            assertTrue(Kernfs.nameHash(order.get(i - 1)) <= Kernfs.nameHash(order.get(i)));
        }
        // partial_name_hash('a', 0) = (97*16 + 6) * 11 = 17138; hash_long(x, 32) keeps the top half of x * GOLDEN_RATIO_64.
        assertEquals((int) ((17138L * 0x61C8864680B583EBL) >>> 32) & 0x7fffffff, Kernfs.nameHash("a"));
    }

    @Test
    void modulesDisabledIsAOneWayLatch() {
        SimulatedKernel k = Kernels.debian();
        assertEquals("0\n", read(k, "/proc/sys/kernel/modules_disabled"));
        assertEquals(Errno.EINVAL, k.writeFile("/proc/sys/kernel/modules_disabled", "0\n").error());
        assertTrue(k.writeFile("/proc/sys/kernel/modules_disabled", "1\n").isOk());
        assertEquals("1\n", read(k, "/proc/sys/kernel/modules_disabled"));
        assertEquals(Errno.EINVAL, k.writeFile("/proc/sys/kernel/modules_disabled", "0\n").error());
        assertTrue(k.writeFile("/proc/sys/kernel/modules_disabled", "1\n").isOk());
        assertEquals("1\n", read(k, "/proc/sys/kernel/modules_disabled"));
    }

    @Test
    void taintedMaskGainsModuleTaintsAtLoadAndNeverClears() {
        SimulatedKernel k = Kernels.debian();
        assertEquals("0\n", read(k, "/proc/sys/kernel/tainted"));
        load(k, TARGET);
        assertEquals("12288\n", read(k, "/proc/sys/kernel/tainted"));
        k.deleteModule(TARGET, 0x800);
        assertEquals("12288\n", read(k, "/proc/sys/kernel/tainted"));
        assertTrue(k.writeFile("/proc/sys/kernel/tainted", "0\n").isOk());
        assertEquals("12288\n", read(k, "/proc/sys/kernel/tainted"), "writing can only add bits");
        assertTrue(k.writeFile("/proc/sys/kernel/tainted", "64\n").isOk());
        assertEquals("12352\n", read(k, "/proc/sys/kernel/tainted"));
    }

    @Test
    void forcedRmmodTaintIsGlobalOnlyNeverInTheModulesOwnString() {
        SimulatedKernel k = Kernels.debian();
        load(k, NOEXIT, TARGET);
        k.deleteModule(NOEXIT, 0xa00);
        assertEquals("12296\n", read(k, "/proc/sys/kernel/tainted"));
        assertEquals("OE\n", read(k, "/sys/module/kmod4j_target/taint"));
    }

    @Test
    void writingAReadOnlyAttributeGivesEacces() {
        SimulatedKernel k = Kernels.debian();
        load(k, TARGET);
        assertEquals(Errno.EACCES, k.writeFile("/sys/module/kmod4j_target/refcnt", "5\n").error());
        assertEquals(Errno.ENOENT, k.writeFile("/proc/sys/kernel/no_such_sysctl", "1\n").error());
    }
}
