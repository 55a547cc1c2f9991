package org.kmod4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * The entry point of every kmod4j tool. The launcher passes the name it was called by (as kmod's tools are one
 * binary behind several names), so a {@code lsmod} symlink can run {@code kmod4j lsmod} later.
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
