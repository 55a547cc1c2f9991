package org.kmod4j.tools;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.kmod.KmodLog;
import org.kmod4j.libc.CText;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;
import org.kmod4j.modules.Module;

/**
 * {@code lsmod} as kmod 30 prints it ({@code tools/lsmod.c}; docs/tools.md, "lsmod"): module names and order from
 * {@code /proc/modules}, then for each one its size ({@code coresize}, else the {@code /proc/modules} column), its use
 * count ({@code /sys/module/NAME/refcnt}) and its holders ({@code /sys/module/NAME/holders/} in directory order).
 *
 * <p>kmod 30's lsmod takes no options: any argument prints {@code Usage: lsmod} and exits 1. kmod4j adds
 * {@code --root DIR}, {@code --sim FILE}, {@code --syscall MODE} and {@code --json}, which must be spelled out.
 */
public final class Lsmod {
    private Lsmod() {
    }

    /** Runs {@code lsmod ARGS} and returns the exit status. */
    public static int run(String prog, List<String> args, ToolIo io) {
        PrintWriter out = io.out();
        PrintWriter err = io.err();
        try {
            return lsmod(prog, args, io, out, err);
        } catch (org.kmod4j.host.FixtureException e) {
            // a fixture kmod4j refuses to read (a link out of --root, an endless file): its message names the file
            err.print("Error: " + e.getMessage() + "\n");
            return 1;
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Never a stack trace, and kmod's exit statuses are only 0 and 1.
            err.print("Error: " + Target.failureMessage(e) + "\n");
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int lsmod(String prog, List<String> args, ToolIo io, PrintWriter out, PrintWriter err) {
        String root = null;
        String sim = null;
        String syscall = null;
        boolean json = false;
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String option = a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
            if (a.equals("--json")) {
                json = true;
                continue;
            }
            if (!option.equals("--root") && !option.equals("--sim") && !option.equals("--syscall")) {
                rest.add(a);
                continue;
            }
            String value;
            if (a.length() > option.length()) {
                value = a.substring(option.length() + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                err.print(prog + ": option '" + option + "' requires an argument\n");
                return 1;
            }
            switch (option) {
                case "--root" -> root = value;
                case "--sim" -> sim = value;
                default -> syscall = value;
            }
        }
        if (!rest.isEmpty()) {
            err.print("Usage: " + prog + "\n");
            return 1;
        }
        Kmod kmod;
        try {
            kmod = io.targets().open(new Target.Options(root, sim, syscall));
        } catch (Target.TargetException e) {
            err.print("Error: " + e.getMessage() + "\n");
            return 1;
        }
        // kmod 30's lsmod installs no logger of its own: libkmod's default one prints its errors
        KmodLog defaultLog = KmodLog.defaultLogger(err);
        List<Module> modules;
        try {
            modules = kmod.withDiagnostics((severity, function, message) ->
                    defaultLog.log(severity.syslogPriority(), function, message)).loaded();
        } catch (KmodException e) {
            err.print("Error: " + e.getMessage() + "\n");
            return 1;
        }
        if (json) {
            out.print(Json.write(JsonReport.lsmod(modules)) + "\n");
            return 0;
        }
        out.print("Module                  Size  Used by\n");
        for (Module mod : modules) {
            StringBuilder row = new StringBuilder();
            row.append(CText.padRight(mod.name(), 19)).append(' ').append(CText.padLeft(mod.size(), 8)).append("  ")
                    .append(mod.refcount());
            if (mod.holders() != null) {
                for (int i = 0; i < mod.holders().size(); i++) {
                    row.append(i == 0 ? ' ' : ',').append(mod.holders().get(i));
                }
            }
            out.print(row.append('\n'));
        }
        return 0;
    }
}
