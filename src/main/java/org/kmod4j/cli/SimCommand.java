package org.kmod4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.kmod4j.scenario.Scenario;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;
import org.kmod4j.scenario.ScenarioSyntaxException;
import org.kmod4j.sim.time.SimulationDeadlockException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kmod4j sim}: the simulated kernel. */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Work with the simulated kernel.",
        subcommands = {SimCommand.Run.class})
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
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (NoSuchFileException e) {
                err.println("kmod4j: " + file + ": no such file");
                return 1;
            } catch (IOException e) {
                err.println("kmod4j: cannot read " + file + ": " + e.getMessage());
                return 1;
            }
            Scenario scenario;
            try {
                scenario = ScenarioParser.parse(text);
            } catch (ScenarioSyntaxException e) {
                err.println("kmod4j: " + file + ":" + e.line() + ": " + e.getMessage().replaceFirst("^line \\d+: ", ""));
                return 2;
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
    }
}
