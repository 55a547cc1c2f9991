package org.kmod4j.tools;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ViewException;

/**
 * {@code lsmod} as kmod 30 prints it ({@code tools/lsmod.c}; kmod.md §4): module names and order from
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
        Target target;
        try {
            target = io.targets().open(new Target.Options(root, sim, syscall));
        } catch (Target.TargetException e) {
            err.print("Error: " + e.getMessage() + "\n");
            return 1;
        }
        Libkmod lib = new Libkmod(target.kernel(), target.builtins(), KmodLog.defaultLogger(err));
        Libkmod.Result<List<Libkmod.Module>> loaded = lib.newFromLoaded();
        if (!loaded.isOk()) {
            err.print("Error: could not get list of modules: " + Strerror.text(-loaded.error()) + "\n");
            return 1;
        }
        List<Object> rows = new ArrayList<>();
        Map<String, LoadedModule> proc = json ? procModules(target) : Map.of();
        Libkmod quiet = new Libkmod(target.kernel(), target.builtins(), (priority, function, message) -> { });
        if (!json) {
            out.print("Module                  Size  Used by\n");
        }
        for (Libkmod.Module mod : loaded.value()) {
            int useCount = lib.refcnt(mod);
            long size = lib.size(mod);
            List<Libkmod.Module> holders = lib.holders(mod);
            if (json) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("name", mod.name());
                row.put("size", size);
                row.put("refcnt", useCount);
                List<String> names = null;
                if (holders != null) {
                    names = new ArrayList<>();
                    for (Libkmod.Module h : holders) {
                        names.add(h.name());
                    }
                }
                row.put("holders", names);
                row.put("initstate", Libkmod.initstateString(quiet.initstate(mod)));
                LoadedModule line = proc.get(mod.name());
                row.put("permanent", line == null ? null : line.permanent());
                row.put("taints", line == null ? null : line.taints());
                rows.add(row);
                continue;
            }
            StringBuilder row = new StringBuilder();
            row.append(CText.padRight(mod.name(), 19)).append(' ').append(CText.padLeft(size, 8)).append("  ")
                    .append(useCount);
            if (holders != null) {
                for (int i = 0; i < holders.size(); i++) {
                    row.append(i == 0 ? ' ' : ',').append(holders.get(i).name());
                }
            }
            out.print(row.append('\n'));
        }
        if (json) {
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("tool", "lsmod");
            doc.put("schema", 1);
            doc.put("modules", rows);
            out.print(Json.write(doc) + "\n");
        }
        return 0;
    }

    /** The parsed {@code /proc/modules} lines by name, or nothing when it does not parse. */
    private static Map<String, LoadedModule> procModules(Target target) {
        Map<String, LoadedModule> byName = new HashMap<>();
        try {
            for (LoadedModule m : target.kernel().loadedModules()) {
                byName.put(m.name().value(), m);
            }
        } catch (ViewException | RuntimeException e) {
            return Map.of();
        }
        return byName;
    }
}
