package org.kmod4j.tools;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.kmod4j.cli.Main;

/** A command line run in process through the real entry point, {@link Main#run}, as the launcher runs it. */
record Run(String out, String err, int status) {
    /** Runs {@code kmod4j ARGS} (or a tool by its name: {@code rmmod ARGS}) and captures what it printed. */
    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(out.toString(), err.toString(), status);
    }
}
