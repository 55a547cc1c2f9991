package org.kmod4j.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import org.kmod4j.api.BadInputException;
import org.kmod4j.tools.Lsmod;
import org.kmod4j.tools.Modprobe;
import org.kmod4j.tools.Rmmod;
import org.kmod4j.tools.Target;
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
        // A failure in a thread of ours that nothing joins would otherwise get Java's default: a stack trace.
        Thread.setDefaultUncaughtExceptionHandler((thread, e) ->
                err.println("kmod4j: " + Target.failureMessage(e)));
        int status = run(args, out, err);
        out.flush();
        err.flush();
        // Not System.exit: since JDK 17, Runtime.exit logs the call through System.Logger, which brings up
        // java.logging, some 320 classes, at the end of every run (a tool's start-up budget). kmod4j registers no
        // shutdown hook, so halting after the flush loses nothing.
        Runtime.getRuntime().halt(status);
    }

    /**
     * Runs a command line and returns the exit status; never throws. Bad input gets a message from the code that reads
     * it; this is the last resort for what slipped through (a bug, a stack overflow, memory exhausted): one line
     * naming the program, no Java class name and no stack trace, and status 1, which every tool and command already
     * uses for "it could not be done".
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        try {
            return dispatch(args, out, err);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            String prog = args.length > 0 && List.of("lsmod", "rmmod", "modprobe").contains(args[0]) ? args[0]
                    : "kmod4j";
            err.println(prog + ": " + Target.failureMessage(e));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int dispatch(String[] args, PrintWriter out, PrintWriter err) {
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
                case "explain":
                    return ExplainCommand.run(rest, out, err);
                case "sim":
                    Integer status = rest.size() > 1 && rest.get(0).equals("run")
                            ? SimCommand.Run.runPlain(rest.subList(1, rest.size()), out, err) : null;
                    if (status != null) {
                        return status;
                    }
                    break;
                default:
                    break;
            }
        }
        // kmod4j snapshot: its own picocli command (kept out of the top-level list the completion script names)
        boolean snapshot = args.length > 0 && args[0].equals("snapshot");
        CommandLine cl = new CommandLine(snapshot ? new SnapshotCommand() : new Kmod4jCommand());
        if (snapshot) {
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        cl.setOut(out);
        cl.setErr(err);
        // picocli's own Path conversion reports a bad path with Java's exception name; this one says what is wrong.
        // An empty path is refused as well: Java would take it as the working directory.
        cl.registerConverter(java.nio.file.Path.class, text -> {
            if (text.isEmpty()) {
                throw new CommandLine.TypeConversionException("an empty path names no file");
            }
            try {
                return java.nio.file.Path.of(text);
            } catch (java.nio.file.InvalidPathException e) {
                throw new CommandLine.TypeConversionException("'" + BadInputException.printable(text) + "' is not a valid path ("
                        + e.getReason() + ")");
            }
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            err.println("kmod4j: " + Target.failureMessage(e));
            return 1;
        });
        return cl.execute(args);
    }
}
