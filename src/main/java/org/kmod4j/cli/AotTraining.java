package org.kmod4j.cli;

import java.io.OutputStream;
import java.io.PrintWriter;

/**
 * The training run for JDK 25's ahead-of-time cache (JEP 514), used by the launcher when it builds
 * {@code target/kmod4j.aot}. JDK 25 loads and links every class of the cache at start-up, so the cache holds only
 * what the start-up-sensitive commands need: the kmod tools on the real host (scripts call them in loops). A
 * bigger training run, with the simulator and picocli, made {@code lsmod} slower than no cache at all
 * (scripts/bench.sh).
 *
 * <p>Safe on any machine: the module name exists nowhere, so rmmod stops at its sysfs pre-check and modprobe at
 * the index lookup; no syscall is made. Output goes nowhere.
 */
final class AotTraining {
    private static final String NO_SUCH_MODULE = "kmod4j_aot_training_no_such_module";

    private AotTraining() {
    }

    public static void main(String[] args) {
        PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true);
        String[][] commands = {
            {"lsmod"},
            {"rmmod", NO_SUCH_MODULE},
            {"modprobe", "-r", NO_SUCH_MODULE},
        };
        for (String[] command : commands) {
            Main.run(command, sink, sink);
        }
    }
}
