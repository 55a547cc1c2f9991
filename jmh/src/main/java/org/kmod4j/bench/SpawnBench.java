package org.kmod4j.bench;

import java.io.File;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.host.HostKernel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One removal the way a JVM program does it today, {@code ProcessBuilder("rmmod", NAME)}, against the library's
 * in-process call on the real host ({@code delete_module} through FFM), same name, same host. The name is one no
 * module has, so nothing is ever unloaded: on this project's machines (no module support) both end in ENOSYS, on a
 * host with modules in ENOENT. Goal: the in-process call at least 500 times faster.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class SpawnBench {
    static final String ABSENT = "kmod4j_bench_no_such_module";
    private HostKernel host;
    private final int nonblock = RemoveFlags.of(RemoveFlag.NONBLOCK);

    @Setup
    public void setUp() {
        host = new HostKernel();
    }

    @Benchmark
    public SyscallResult inProcessDeleteModule() {
        return host.deleteModule(ABSENT, nonblock);
    }

    @Benchmark
    public int spawnRmmod() throws IOException, InterruptedException {
        return new ProcessBuilder("rmmod", ABSENT).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start().waitFor();
    }
}
