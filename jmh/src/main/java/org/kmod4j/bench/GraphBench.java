package org.kmod4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.SimulatedKernel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Debian's whole module graph (the {@code modules.dep} named by {@code -p modulesDep=PATH}; scripts/bench.sh passes
 * linux-image-amd64's) loaded in dependency order into a fresh simulated kernel, then removed in the reverse order,
 * in process: every load resolves its symbols, every removal checks holders and references. Goal: under 100 ms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class GraphBench {
    @Param("")
    public String modulesDep;

    private List<ModuleImage> images;
    private List<String> loadOrder;
    private List<String> removeOrder;
    private SimulatedKernel kernel;
    private final int nonblock = RemoveFlags.of(RemoveFlag.NONBLOCK);

    @Setup(Level.Trial)
    public void readGraph() throws IOException {
        if (modulesDep.isEmpty()) {
            throw new IllegalStateException("name Debian's modules.dep: -p modulesDep=PATH (scripts/bench.sh does)");
        }
        ModuleGraph graph = ModuleGraph.read(Path.of(modulesDep));
        images = graph.images();
        loadOrder = graph.loadOrder();
        removeOrder = graph.removeOrder();
    }

    @Setup(Level.Invocation)
    public void freshKernel() {
        SimulatedKernel.Builder b = SimulatedKernel.builder();
        images.forEach(b::module);
        kernel = b.build();
    }

    @Benchmark
    public int loadThenRemoveTheWholeGraph() {
        int done = 0;
        for (String name : loadOrder) {
            if (kernel.loadModule(name, "").isOk()) {
                done++;
            }
        }
        for (String name : removeOrder) {
            if (kernel.deleteModule(name, nonblock).isOk()) {
                done++;
            }
        }
        if (done != 2 * loadOrder.size()) {
            throw new IllegalStateException("only " + done + " of " + 2 * loadOrder.size() + " calls succeeded");
        }
        return done;
    }
}
