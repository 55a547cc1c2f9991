package org.kmod4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.kmod4j.api.BadInputException;
import org.kmod4j.scenario.KernelVersionFile;
import org.kmod4j.scenario.RecordComparison;
import org.kmod4j.scenario.Scenario;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;
import org.kmod4j.scenario.ScenarioSyntaxException;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.sim.time.SimulationDeadlockException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kmod4j sim}: the simulated kernel. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Work with the simulated kernel.",
        subcommands = {SimCommand.Run.class, SimCommand.Compare.class})
final class SimCommand {

    /** {@code kmod4j sim run FILE}: run a scenario and print its records. */
    @Command(name = "run", mixinStandardHelpOptions = true,
            description = {"Run a scenario (see docs/scenario-format.md) on a fresh simulated kernel and print its "
                    + "records, ending with DONE.",
                    "Time is virtual: sleeps and slow init/exit functions cost nothing and every run is the same."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:the scenario ran", "1:it could not run (unreadable file, or it never finishes)",
                    "2:bad usage or a malformed scenario line"})
    static final class Run implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "the scenario file")
        Path file;

        @picocli.CommandLine.Option(names = "--dmesg", description = "print the kernel log after the records")
        boolean dmesg;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            return run(file, dmesg, spec.commandLine().getOut(), spec.commandLine().getErr());
        }

        /** Runs the scenario {@code file} and prints its records (and the kernel log with {@code dmesg}). */
        static int run(Path file, boolean dmesg, PrintWriter out, PrintWriter err) {
            Scenario scenario;
            try {
                scenario = readScenario(file);
            } catch (UnusableScenario e) {
                err.println(e.getMessage());
                return e.status;
            }
            ScenarioRunner runner = new ScenarioRunner(scenario);
            try {
                out.print(runner.run());
            } catch (SimulationDeadlockException e) {
                err.println("kmod4j: " + file + ": the scenario never finishes: " + e.getMessage());
                return 1;
            }
            if (dmesg) {
                out.print(runner.kernel().log().text());
            }
            out.flush();
            return 0;
        }

        /**
         * {@code sim run [--dmesg] FILE} in its plain forms, run without building picocli's command model: picocli's
         * classes predate the class-file version JDK 25's AOT cache can store, and reading its annotations by
         * reflection doubled the command's start-up (scripts/bench.sh). Null for anything else (help, other options,
         * a FILE that looks like an option), which picocli then parses and answers.
         */
        static Integer runPlain(List<String> args, PrintWriter out, PrintWriter err) {
            boolean dmesg = args.contains("--dmesg");
            List<String> files = args.stream().filter(a -> !a.equals("--dmesg")).toList();
            if (files.size() != 1 || args.size() > 2 || files.get(0).isEmpty() || files.get(0).startsWith("-")
                    || files.get(0).indexOf('\0') >= 0) {
                return null;
            }
            Path file;
            try {
                file = Path.of(files.get(0));
            } catch (java.nio.file.InvalidPathException e) {
                return null;
            }
            return run(file, dmesg, out, err);
        }
    }

    /** {@code kmod4j sim compare SCENARIOS OUTPUTS}: replay each run of a real kernel through the simulator. */
    @Command(name = "compare", mixinStandardHelpOptions = true,
            description = {"For every OUTPUTS/NAME.out (a real kernel's records, from conformance/run-kernel.sh), run "
                    + "SCENARIOS/NAME.scn on the simulator and compare the two as the scenario format says "
                    + "(addresses masked, ls entries sorted, records matched by line number).",
                    "The simulated kernel is the one OUTPUTS/KERNEL_VERSION names (its Debian upstream version, e.g. "
                    + "6.1.192 for 6.1.0-57-amd64), unless --kernel says otherwise or the scenario has a kernel line; "
                    + "without either, Debian 12's 6.1.",
                    "Prints the kernel, matched/total records per scenario, then the totals."},
            exitCodeListHeading = "%nExit status:%n",
            exitCodeList = {"0:every record of every scenario matched", "1:some record differs, or a file is missing",
                    "2:bad usage or a malformed scenario"})
    static final class Compare implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "SCENARIOS", description = "the folder of NAME.scn files")
        Path scenarios;

        @Parameters(index = "1", paramLabel = "OUTPUTS", description = "the folder of NAME.out files")
        Path outputs;

        @picocli.CommandLine.Option(names = {"-v", "--verbose"}, description = "show the records that differ")
        boolean verbose;

        @picocli.CommandLine.Option(names = {"-k", "--kernel"}, paramLabel = "RELEASE",
                description = "the kernel release to simulate (default: from OUTPUTS/KERNEL_VERSION)")
        String kernel;

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<Path> runs;
            try (Stream<Path> s = Files.list(outputs)) {
                runs = s.filter(p -> p.getFileName().toString().endsWith(".out")).sorted().toList();
            } catch (IOException e) {
                err.println("kmod4j: cannot list " + outputs + ": " + e.getMessage());
                return 1;
            }
            if (runs.isEmpty()) {
                err.println("kmod4j: no NAME.out files in " + outputs);
                return 1;
            }
            KernelProfile profile;
            try {
                String release = kernel;
                Path versionFile = outputs.resolve(KernelVersionFile.NAME);
                if (release == null && Files.exists(versionFile)) {
                    release = KernelVersionFile.profileRelease(Files.readString(versionFile));
                }
                profile = release == null ? KernelProfile.debian12() : KernelProfile.forRelease(release);
            } catch (IOException | IllegalArgumentException e) {
                err.println("kmod4j: " + outputs.resolve(KernelVersionFile.NAME) + ": " + e.getMessage());
                return 2;
            }
            out.printf("simulated kernel: %s%n", profile.release());
            int passed = 0;
            int records = 0;
            int matched = 0;
            for (Path run : runs) {
                String name = run.getFileName().toString().replaceFirst("\\.out$", "");
                try {
                    Scenario scenario = readScenario(scenarios.resolve(name + ".scn"), profile);
                    RecordComparison.Result r = RecordComparison.compare(readOutput(run),
                            new ScenarioRunner(scenario).run());
                    records += r.total();
                    matched += r.matched();
                    passed += r.allMatch() ? 1 : 0;
                    out.printf("%-40s %3d/%-3d %s%n", name, r.matched(), r.total(), r.allMatch() ? "ok" : "DIFFERS");
                    if (verbose && !r.allMatch()) {
                        out.print(r.differences().indent(4));
                    }
                } catch (UnusableScenario e) {
                    err.println(e.getMessage());
                    if (e.status == 2) {
                        return 2;
                    }
                    out.printf("%-40s missing scenario%n", name);
                } catch (IOException | SimulationDeadlockException e) {
                    out.printf("%-40s cannot run: %s%n", name, e.getMessage());
                }
            }
            out.printf("records: %d/%d matched%n", matched, records);
            out.printf("conformance: %d passed, %d failed%n", passed, runs.size() - passed);
            return passed == runs.size() ? 0 : 1;
        }
    }

    /** The most a real kernel's NAME.out may hold: a run's records are a few KiB. */
    static final long MAX_OUTPUT_SIZE = 64L << 20;

    /**
     * A real kernel's records: UTF-8 text of a bounded size. The failures say which (the file is named by the caller's
     * line), instead of Java's "Input length = 1".
     */
    static String readOutput(Path run) throws IOException {
        if (Files.size(run) > MAX_OUTPUT_SIZE) {
            throw new IOException(run.getFileName() + " is larger than " + (MAX_OUTPUT_SIZE >> 20) + " MiB");
        }
        try {
            return Files.readString(run, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(run.getFileName() + " is not UTF-8 text");
        }
    }

    /** A scenario file that cannot be used: the message to print and the exit status. */
    static final class UnusableScenario extends Exception {
        private static final long serialVersionUID = 1L;
        final int status;

        UnusableScenario(String message, int status) {
            super(message);
            this.status = status;
        }
    }

    /** Reads and parses a scenario file, turning every failure into a one-line message. */
    static Scenario readScenario(Path file) throws UnusableScenario {
        return readScenario(file, KernelProfile.debian12());
    }

    /** As {@link #readScenario(Path)}, for the kernel a run came from when the scenario names none. */
    static Scenario readScenario(Path file, KernelProfile profile) throws UnusableScenario {
        // the name as messages show it: a control character in it would garble the terminal
        String shown = BadInputException.printable(file.toString());
        try {
            return ScenarioParser.read(file, profile);
        } catch (NoSuchFileException e) {
            throw new UnusableScenario("kmod4j: " + shown + ": no such file", 1);
        } catch (java.nio.file.AccessDeniedException e) {
            throw new UnusableScenario("kmod4j: cannot read " + shown + ": Permission denied", 1);
        } catch (IOException e) {
            // a FileSystemException's message repeats the raw path: its reason alone
            String reason = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                    ? fse.getReason() : e.getMessage();
            throw new UnusableScenario("kmod4j: cannot read " + shown + ": " + reason, 1);
        } catch (ScenarioSyntaxException e) {
            throw new UnusableScenario("kmod4j: " + e.describe(shown), 2);
        }
    }
}
