package org.kmod4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** A kmod4j command line run in process through {@link Main#run}: its exit status and what it printed. */
record Kmod4jRun(int status, String out, String err) {
    static Kmod4jRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Kmod4jRun(status, out.toString(), err.toString());
    }
}
