package org.kmod4j.tools;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.kmod4j.libc.Syslog;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.Plan;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemoveOptions;

/**
 * What a tool run is connected to.
 *
 * @param out     standard output
 * @param err     standard error
 * @param targets opens the kernel to work on from {@code --root}/{@code --sim}
 * @param syslog  where {@code -s} sends messages
 * @param cwd     the directory relative argument paths are looked up from (the process's own by default)
 * @param plans   null to remove; else the tool only predicts its removal ({@link Kmod#explain}) and hands the plan
 *                here ({@code kmod4j explain}), printing what the real command would print
 */
public record ToolIo(PrintWriter out, PrintWriter err, Target.Factory targets, Syslog syslog, Path cwd,
                     Consumer<Plan> plans) {

    /** Connections that remove. */
    public ToolIo(PrintWriter out, PrintWriter err, Target.Factory targets, Syslog syslog, Path cwd) {
        this(out, err, targets, syslog, cwd, null);
    }

    /** The usual connections: the real targets, the system logger and the process's working directory. */
    public static ToolIo of(PrintWriter out, PrintWriter err) {
        return new ToolIo(out, err, Target.DEFAULT, Syslog.system(), Path.of("").toAbsolutePath());
    }

    /** The same with other targets. */
    public ToolIo withTargets(Target.Factory factory) {
        return new ToolIo(out, err, factory, syslog, cwd, plans);
    }

    /** The same with another working directory. */
    public ToolIo withCwd(Path dir) {
        return new ToolIo(out, err, targets, syslog, dir, plans);
    }

    /** The same with another syslog. */
    public ToolIo withSyslog(Syslog log) {
        return new ToolIo(out, err, targets, log, cwd, plans);
    }

    /** The same, predicting instead of removing: each plan goes to {@code consumer}. */
    public ToolIo withPlans(Consumer<Plan> consumer) {
        return new ToolIo(out, err, targets, syslog, cwd, consumer);
    }

    /**
     * What a tool does with its modules: removes them, or (with {@link #plans}) predicts the removal on a copy of the
     * kernel, hands the plan over and returns the removal it predicts.
     *
     * @throws org.kmod4j.modules.KmodException when predicting and the kernel's state cannot be copied
     */
    Removal remove(Kmod kmod, List<String> modules, RemoveOptions options) {
        if (plans == null) {
            return kmod.remove(modules, options);
        }
        Plan plan = kmod.explain(modules, options);
        plans.accept(plan);
        return plan.removal();
    }
}
