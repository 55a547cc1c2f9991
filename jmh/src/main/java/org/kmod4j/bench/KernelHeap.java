package org.kmod4j.bench;

import java.lang.management.ManagementFactory;
import org.kmod4j.sim.SimulatedKernel;

/**
 * The heap a simulated kernel with 5,000 loaded modules keeps alive (the table of
 * {@code org.kmod4j.sim.KernelTableBench}): used heap after full collections, with and without the kernel.
 * Prints {@code heap: N bytes for 5000 modules (N bytes a module)}.
 */
public final class KernelHeap {
    private KernelHeap() {
    }

    public static void main(String[] args) {
        long before = usedAfterGc();
        SimulatedKernel kernel = org.kmod4j.sim.BenchKernels.loadedTable();
        long after = usedAfterGc();
        int modules = kernel.loadedModules().size();
        System.out.printf("heap: %d bytes for %d modules (%d bytes a module)%n", after - before, modules,
                (after - before) / modules);
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 4; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
