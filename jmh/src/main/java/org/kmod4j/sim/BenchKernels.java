package org.kmod4j.sim;

/** The kernels the benchmarks share, for callers outside this package. */
public final class BenchKernels {
    private BenchKernels() {
    }

    /** {@link KernelTableBench}'s 5,000 loaded modules. */
    public static SimulatedKernel loadedTable() {
        return KernelTableBench.loadedTable();
    }
}
