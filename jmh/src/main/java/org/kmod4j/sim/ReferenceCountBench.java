package org.kmod4j.sim;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * A module reference taken and dropped ({@code try_module_get} then {@code module_put} on a LIVE module, the
 * simulator's {@link KernelModule#tryGet}/{@link KernelModule#put}) against the same two loops on a bare
 * {@link AtomicInteger}: increment unless zero, decrement if positive. The goal is at least 80 % of the bare loop's
 * throughput, on one thread and on two threads sharing one module (the contended case).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ReferenceCountBench {
    private KernelModule module;
    private final AtomicInteger bare = new AtomicInteger(1);

    @Setup
    public void setUp() {
        SimulatedKernel kernel = SimulatedKernel.builder().module(ModuleImage.builder("m").build()).build();
        kernel.loadModule("m", "");
        module = kernel.findModule("m");
    }

    @Benchmark
    @Threads(1)
    public boolean getPutModule1Thread() {
        return module.tryGet() & module.put();
    }

    @Benchmark
    @Threads(2)
    public boolean getPutModule2Threads() {
        return module.tryGet() & module.put();
    }

    @Benchmark
    @Threads(1)
    public boolean getPutBareCas1Thread() {
        return incNotZero(bare) & decIfPositive(bare);
    }

    @Benchmark
    @Threads(2)
    public boolean getPutBareCas2Threads() {
        return incNotZero(bare) & decIfPositive(bare);
    }

    private static boolean incNotZero(AtomicInteger a) {
        int c;
        do {
            c = a.get();
            if (c == 0) {
                return false;
            }
        } while (!a.compareAndSet(c, c + 1));
        return true;
    }

    private static boolean decIfPositive(AtomicInteger a) {
        int c;
        do {
            c = a.get();
            if (c <= 0) {
                return false;
            }
        } while (!a.compareAndSet(c, c - 1));
        return true;
    }
}
