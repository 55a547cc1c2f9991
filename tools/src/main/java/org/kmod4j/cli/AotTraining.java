package org.kmod4j.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The training runs for JDK 25's ahead-of-time cache (JEP 514, JEP 515), one cache per command: the launcher runs
 * {@code AotTraining COMMAND} once to build {@code tools/target/aot/COMMAND.aot} and starts that command with it.
 * JDK 25 loads and links every class of a cache at start-up, so a cache holds what its own command loads and nothing
 * more: a single cache for everything made {@code lsmod} slower than no cache at all (scripts/bench.sh measures it).
 *
 * <p>Each command runs the way it is used: on the real host, on a small fixture tree ({@code --root}) and on a
 * simulated kernel ({@code --sim}); {@code sim} runs a scenario. Safe on any machine: the fixture lives in a
 * temporary directory removed afterwards, the real-host runs name a module that exists nowhere (rmmod stops at its
 * sysfs pre-check, modprobe at the index lookup, so no syscall is made), and all output goes nowhere.
 */
final class AotTraining {
    private static final String NO_SUCH_MODULE = "kmod4j_aot_training_no_such_module";
    private static final String SCENARIO = """
            module lib exports=lib_sym
            module app uses=lib_sym
            load lib
            load app
            bg cat /proc/sys/kernel/tainted
            del lib NB
            cat /proc/modules
            ls /sys/module/lib/holders
            """;

    private AotTraining() {
    }

    /** {@code AotTraining COMMAND}: the training of that command's cache ({@code kmod4j} for the others). */
    public static void main(String[] args) throws IOException {
        String command = args.length > 0 ? args[0] : "kmod4j";
        Path dir = Files.createTempDirectory("kmod4j-aot-training");
        try {
            String root = fixture(dir.resolve("root")).toString();
            String sim = Files.writeString(dir.resolve("training.scn"), SCENARIO).toString();
            List<String[]> runs = switch (command) {
                case "lsmod" -> List.<String[]>of(new String[] {"lsmod"}, new String[] {"lsmod", "--root", root});
                case "rmmod" -> List.<String[]>of(new String[] {"rmmod", NO_SUCH_MODULE},
                        new String[] {"rmmod", "--root", root, "app"}, new String[] {"rmmod", "--root", root, "lib"});
                case "modprobe" -> List.<String[]>of(new String[] {"modprobe", "-r", NO_SUCH_MODULE},
                        new String[] {"modprobe", "-r", "--root", root, NO_SUCH_MODULE});
                case "sim" -> List.<String[]>of(new String[] {"sim", "run", sim});
                default -> List.<String[]>of(new String[] {"--help"}, new String[] {"--version"});
            };
            PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream(), true);
            for (String[] run : runs) {
                Main.run(run, sink, sink);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** A fixture tree with a library and its user, as a modern kernel shows them. */
    private static Path fixture(Path root) {
        try {
            Files.createDirectories(root.resolve("proc/sys/kernel"));
            Files.writeString(root.resolve("proc/modules"), "app 16384 0 - Live 0xffffffffc0001000\n"
                    + "lib 16384 1 app, Live 0xffffffffc0000000\n");
            Files.writeString(root.resolve("proc/sys/kernel/tainted"), "0\n");
            for (String[] m : new String[][] {{"app", "0"}, {"lib", "1"}}) {
                Path dir = Files.createDirectories(root.resolve("sys/module").resolve(m[0]).resolve("holders"));
                Files.writeString(dir.resolveSibling("refcnt"), m[1] + "\n");
                Files.writeString(dir.resolveSibling("initstate"), "live\n");
            }
            Files.createSymbolicLink(root.resolve("sys/module/lib/holders/app"), Path.of("../../app"));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
