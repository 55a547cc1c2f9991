package org.kmod4j.tools;

import java.io.PrintWriter;
import java.nio.file.Path;
import org.kmod4j.libc.Syslog;

/**
 * What a tool run is connected to.
 *
 * @param out     standard output
 * @param err     standard error
 * @param targets opens the kernel to work on from {@code --root}/{@code --sim}
 * @param syslog  where {@code -s} sends messages
 * @param cwd     the directory relative argument paths are looked up from (the process's own by default)
 */
public record ToolIo(PrintWriter out, PrintWriter err, Target.Factory targets, Syslog syslog, Path cwd) {

    /** The usual connections: the real targets, the system logger and the process's working directory. */
    public static ToolIo of(PrintWriter out, PrintWriter err) {
        return new ToolIo(out, err, Target.DEFAULT, Syslog.system(), Path.of("").toAbsolutePath());
    }

    /** The same with other targets. */
    public ToolIo withTargets(Target.Factory factory) {
        return new ToolIo(out, err, factory, syslog, cwd);
    }

    /** The same with another working directory. */
    public ToolIo withCwd(Path dir) {
        return new ToolIo(out, err, targets, syslog, dir);
    }

    /** The same with another syslog. */
    public ToolIo withSyslog(Syslog log) {
        return new ToolIo(out, err, targets, log, cwd);
    }
}
