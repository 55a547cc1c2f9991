package org.kmod4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.kmod4j.tools.Lsmod;
import org.kmod4j.tools.Modprobe;
import org.kmod4j.tools.Rmmod;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine;

/**
 * The entry point of every kmod4j tool. The launcher passes the name it was called by (kmod's tools are one binary
 * behind several names), so a {@code rmmod} symlink runs {@code kmod4j rmmod}.
 *
 * <p>The kmod-compatible tools parse their own command line with glibc's getopt rules, so they need nothing of
 * picocli and are called directly: building picocli's command model by reflection would add some 150 ms to every
 * {@code rmmod} (scripts/bench.sh). picocli serves kmod4j's own commands.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(args, out, err));
    }

    /** Runs a command line and returns the exit status; never throws for bad input. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length > 0) {
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            ToolIo io = ToolIo.of(out, err);
            switch (args[0]) {
                case "lsmod":
                    return Lsmod.run("lsmod", rest, io);
                case "rmmod":
                    return Rmmod.run("rmmod", rest, io);
                case "modprobe":
                    return Modprobe.run("modprobe", rest, io);
                default:
                    break;
            }
        }
        CommandLine cl = new CommandLine(new Kmod4jCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("kmod4j: internal error: " + e);
            return 70;
        });
        return cl.execute(args);
    }
}
