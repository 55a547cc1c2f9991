package org.kmod4j.sim;

import java.util.concurrent.TimeUnit;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code delete_module} and {@code /proc/modules} on a table of 5,000 loaded modules: 500 libraries, each used by
 * nine modules (so a delete of a library meets its holders, and the file has users columns to print).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KernelTableBench {
    static final int MODULES = 5000;
    private SimulatedKernel kernel;
    private final UserString busy = UserString.of("m2500");
    private final UserString missing = UserString.of("kmod4j_not_loaded");
    private final UserString leaf = UserString.of("m4999");
    private final int nonblock = RemoveFlags.of(RemoveFlag.NONBLOCK);

    /** The 5,000-module kernel, loaded: m0, m10, m20, ... export a symbol that the next nine use. */
    static SimulatedKernel loadedTable() {
        SimulatedKernel.Builder b = SimulatedKernel.builder();
        for (int i = 0; i < MODULES; i++) {
            ModuleImage.Builder m = ModuleImage.builder("m" + i);
            if (i % 10 == 0) {
                m.exports("sym" + i);
            } else {
                m.uses("sym" + (i - i % 10));
            }
            b.module(m.build());
        }
        SimulatedKernel k = b.build();
        for (int i = 0; i < MODULES; i++) {
            if (!k.loadModule("m" + i, "").isOk()) {
                throw new IllegalStateException("load m" + i);
            }
        }
        return k;
    }

    @Setup
    public void setUp() {
        kernel = loadedTable();
    }

    /** A library with holders: EWOULDBLOCK, nothing changes. */
    @Benchmark
    public SyscallResult deleteModuleWithHolders() {
        return kernel.deleteModule(busy, nonblock);
    }

    @Benchmark
    public SyscallResult deleteModuleNotLoaded() {
        return kernel.deleteModule(missing, nonblock);
    }

    /** A module without holders unloaded, then loaded again (two system calls). */
    @Benchmark
    public SyscallResult deleteModuleThenLoadItAgain() {
        kernel.deleteModule(leaf, nonblock);
        return kernel.loadModule("m4999", "");
    }

    @Benchmark
    public String procModules() throws ViewException {
        return kernel.readFile("/proc/modules");
    }
}
