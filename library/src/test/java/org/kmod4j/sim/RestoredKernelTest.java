package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.kmod4j.sim.Kernels.DEVICE;
import static org.kmod4j.sim.Kernels.NOEXIT;
import static org.kmod4j.sim.Kernels.TARGET;
import static org.kmod4j.sim.Kernels.USER_A;
import static org.kmod4j.sim.Kernels.USER_B;
import static org.kmod4j.sim.Kernels.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;

/** A kernel started from a /proc/modules snapshot behaves as the kernel the snapshot came from. */
class RestoredKernelTest {

    private static String masked(SimulatedKernel k) throws Exception {
        return k.readFile("/proc/modules").replaceAll("0x[0-9a-f]{16}", "0xADDR");
    }

    @Test
    void restoredSnapshotShowsTheSameProcModulesAndTaint() throws Exception {
        SimulatedKernel original = Kernels.debian();
        load(original, TARGET, USER_A, USER_B, NOEXIT);
        original.openDevice(DEVICE);
        SimulatedKernel restored = SimulatedKernel.builder().restore(original.loadedModules())
                .taintedMask(original.taintedMask()).build();
        assertEquals(masked(original), masked(restored));
        assertEquals(original.readFile("/proc/sys/kernel/tainted"), restored.readFile("/proc/sys/kernel/tainted"));
        assertEquals(original.listDirectory("/sys/module/kmod4j_target/holders"),
                restored.listDirectory("/sys/module/kmod4j_target/holders"));
    }

    @Test
    void restoredKernelAnswersEveryDeleteAsTheOriginal() throws Exception {
        SimulatedKernel original = Kernels.debian();
        load(original, TARGET, USER_A, USER_B, NOEXIT);
        original.openDevice(DEVICE);
        SimulatedKernel restored = SimulatedKernel.builder().restore(original.loadedModules())
                .taintedMask(original.taintedMask()).build();
        List<String> steps = List.of(TARGET + " 0x800", USER_B + " 0x800", TARGET + " 0xa00", NOEXIT + " 0x800",
                USER_A + " 0", TARGET + " 0xa00", NOEXIT + " 0xa00", "missing 0x800");
        List<String> expected = new ArrayList<>();
        List<String> actual = new ArrayList<>();
        for (String step : steps) {
            String[] s = step.split(" ");
            int flags = Integer.decode(s[1]);
            expected.add(step + " " + original.deleteModule(s[0], flags) + " " + original.taintedMask());
            actual.add(step + " " + restored.deleteModule(s[0], flags) + " " + restored.taintedMask());
            assertEquals(masked(original), masked(restored), "after " + step);
        }
        assertEquals(expected, actual);
    }

    @Test
    void restoredGoingModuleShowsMinusOneAndRefusesDelete() throws Exception {
        LoadedModule going = new LoadedModule(ModuleName.of("dying"), 16384, -1, List.of(), ModuleState.GOING, "",
                false);
        SimulatedKernel k = SimulatedKernel.builder().restore(List.of(going)).build();
        assertEquals("dying 16384 -1 - Unloading 0xADDR\n", masked(k));
        assertEquals(org.kmod4j.api.Errno.EBUSY, k.deleteModule("dying", 0xa00).error());
        assertEquals(Set.of(), Set.copyOf(k.oopses()));
    }

    @Test
    void unknownTaintLetterInASnapshotIsRefused() {
        LoadedModule odd = new LoadedModule(ModuleName.of("odd"), 4096, 0, List.of(), ModuleState.LIVE, "Q", false);
        assertThrows(IllegalArgumentException.class, () -> SimulatedKernel.builder().restore(List.of(odd)).build());
    }

    @Test
    void restoreRefusesImpossibleStatesWithAClearError() {
        LoadedModule negative = new LoadedModule(ModuleName.of("m"), 16384, -2, List.of(), ModuleState.LIVE, "", false);
        var e = assertThrows(IllegalArgumentException.class, () -> SimulatedKernel.builder().restore(List.of(negative)));
        assertEquals("cannot restore module m with reference count -2 while LIVE: only a GOING module can read -1",
                e.getMessage());
        LoadedModule liveMinusOne = new LoadedModule(ModuleName.of("m"), 16384, -1, List.of(), ModuleState.LIVE, "",
                false);
        assertThrows(IllegalArgumentException.class, () -> SimulatedKernel.builder().restore(List.of(liveMinusOne)));
        LoadedModule going = new LoadedModule(ModuleName.of("m"), 16384, -1, List.of(), ModuleState.GOING, "", false);
        SimulatedKernel.builder().restore(List.of(going)).build(); // a stopped module reads -1: possible
        LoadedModule live = new LoadedModule(ModuleName.of("m"), 16384, 0, List.of(), ModuleState.LIVE, "", false);
        assertThrows(IllegalArgumentException.class, () -> SimulatedKernel.builder().restore(List.of(live, live)));
    }
}
