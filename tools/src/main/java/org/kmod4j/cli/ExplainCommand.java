package org.kmod4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.kmod4j.api.BadInputException;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ForwardingModuleSubsystem;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.TimedRemoval;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.FixtureException;
import org.kmod4j.libc.Syslog;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.snapshot.SnapshotFormat;
import org.kmod4j.tools.Modprobe;
import org.kmod4j.tools.Rmmod;
import org.kmod4j.tools.Target;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code kmod4j explain rmmod|modprobe -r [OPTIONS] NAME...} (docs/explain.md): what the command would do, step by
 * step, predicted by running the tool itself, with its own options, on a simulated kernel seeded from the target's
 * state (a host or fixture is snapshot in memory and restored; a snapshot or scenario is opened fresh). The host's
 * {@code delete_module} is never called and no remove command is run.
 */
@Command(name = "kmod4j explain", description = {"Predict what 'rmmod [OPTIONS] NAME...' or 'modprobe -r [OPTIONS] NAME...' "
        + "would do, step by step, without doing it (docs/explain.md).",
        "Usage: kmod4j explain rmmod|modprobe [TOOL OPTIONS] [--root DIR | --sim FILE] [--json] NAME...",
        "Exit status: 0 when the real command would succeed, 1 when it would fail, 2 for bad usage."})
final class ExplainCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        return run(args, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    /** Runs {@code explain ARGS}; never throws. */
    static int run(List<String> args, PrintWriter out, PrintWriter err) {
        try {
            return new ExplainCommand().explain(args, out, err);
        } catch (RuntimeException | StackOverflowError e) {
            err.println("kmod4j explain: " + Target.failureMessage(e));
            return 1;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static final String USAGE = "usage: kmod4j explain rmmod|modprobe [OPTIONS] [--root DIR | --sim FILE] "
            + "[--json] NAME...";

    /** One run of the tool on a fresh simulated copy. */
    record ToolRun(int status, String stdout, String stderr, Map<String, Object> report, Recorder recorder,
                   String target) {
    }

    private int explain(List<String> args, PrintWriter out, PrintWriter err) {
        if (!args.isEmpty() && (args.get(0).equals("-h") || args.get(0).equals("--help"))) {
            out.println(USAGE + "\nPredicts, step by step, what the command would do, by running it on a simulated "
                    + "kernel seeded from the target's state; never changes the target. See docs/explain.md.\n"
                    + "Exit status: 0 when the command would succeed, 1 when it would fail, 2 for bad usage.");
            return 0;
        }
        if (args.isEmpty() || !(args.get(0).equals("rmmod") || args.get(0).equals("modprobe"))) {
            err.println("kmod4j explain: expected rmmod or modprobe\n" + USAGE);
            return 2;
        }
        String tool = args.get(0);
        List<String> toolArgs = new ArrayList<>(args.subList(1, args.size()));
        boolean json = false;
        for (String a : toolArgs) {
            if (a.equals("--")) {
                break;
            }
            json |= a.equals("--json");
            if (a.equals("--run-commands") || a.startsWith("--syscall")) {
                err.println("kmod4j explain: " + a + " is not supported: explain never runs commands or calls on "
                        + "the host\n" + USAGE);
                return 2;
            }
        }
        toolArgs.removeIf(a -> a.equals("--json"));
        ToolRun run = runTool(tool, toolArgs);
        if (run.report() == null || run.target() == null) {
            // help, version or a usage error: the tool's own output is the answer
            out.print(run.stdout());
            err.print(run.stderr());
            return run.status();
        }
        List<String> operands = operands(tool, run.report());
        List<String> order = null;
        boolean orderWorks = false;
        if (run.status() != 0 && operands.size() > 1) {
            List<String> holdersFirst = holdersFirst(operands, run.recorder().initial);
            if (!holdersFirst.equals(operands)) {
                List<String> reordered = new ArrayList<>(toolArgs);
                for (String o : operands) {
                    int i = reordered.lastIndexOf(o);
                    if (i >= 0) {
                        reordered.remove(i);
                    }
                }
                reordered.remove("--");
                reordered.add("--");
                reordered.addAll(holdersFirst);
                ToolRun again = runTool(tool, reordered);
                order = holdersFirst;
                orderWorks = again.status() == 0;
            }
        }
        Map<String, Object> doc = document(tool, toolArgs, run, order, orderWorks);
        if (json) {
            out.println(JsonText.write(doc));
        } else {
            out.print(text(doc));
        }
        return run.status() == 0 ? 0 : 1;
    }

    // ---- running the tool ------------------------------------------------------------------------------------

    private static ToolRun runTool(String tool, List<String> toolArgs) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        PrintWriter out = new PrintWriter(o);
        PrintWriter err = new PrintWriter(e);
        Recorder recorder = new Recorder();
        String[] target = {null};
        Target.Factory factory = options -> {
            Kmod seeded = seed(options);
            target[0] = options.sim() != null ? "snapshot or scenario " + options.sim()
                    : options.root() != null ? "fixture " + options.root() : "this host (/)";
            return seeded.observed(recorder::wrap);
        };
        // -s: what would go to syslog is shown on the tool's stderr instead (explain never logs to the host)
        Syslog toStderr = new Syslog() {
            @Override
            public void open(String ident) {
            }

            @Override
            public void log(int priority, String message) {
                err.print("syslog: " + message + (message.endsWith("\n") ? "" : "\n"));
            }
        };
        ToolIo io = new ToolIo(out, err, factory, toStderr, Path.of("").toAbsolutePath());
        List<String> argv = new ArrayList<>();
        argv.add("--json");
        argv.addAll(toolArgs);
        int status = tool.equals("rmmod") ? Rmmod.run("rmmod", argv, io)
                : Modprobe.run("modprobe", argv, io, new Modprobe.Environment(Map.of(), false));
        out.flush();
        err.flush();
        String stdout = o.toString();
        Map<String, Object> report = null;
        String body = stdout;
        int last = stdout.lastIndexOf('\n', stdout.length() - 2);
        String lastLine = stdout.substring(last + 1).strip();
        if (lastLine.startsWith("{")) {
            try {
                @SuppressWarnings("unchecked")
                Map<String, Object> r = (Map<String, Object>) JsonText.parse(lastLine);
                report = r;
                body = stdout.substring(0, last + 1);
            } catch (IllegalArgumentException ex) {
                report = null;
            }
        }
        return new ToolRun(status, body, e.toString(), report, recorder, target[0]);
    }

    /** A fresh simulated kernel in the state the options name; the host and fixtures are only read. */
    private static Kmod seed(Target.Options options) throws Target.TargetException {
        Kmod checked = Target.open(options); // the tools' own checks and messages; opening changes nothing
        if (options.sim() != null) {
            return checked; // a snapshot or a scenario: already a fresh simulated kernel
        }
        try {
            return Kmod.snapshot(SnapshotFormat.capture(options.root() == null ? Path.of("/") : Path.of(options.root())));
        } catch (BadInputException | FixtureException | KmodException e) {
            throw new Target.TargetException(e.getMessage());
        }
    }

    /** The kernel seen by the tool: every delete_module is recorded with the state around it. */
    static final class Recorder {
        final List<Call> calls = new ArrayList<>();
        List<LoadedModule> initial = List.of();
        long initialTaint;
        boolean modulesDisabled;
        SimulatedKernel sim;

        record Call(String name, int flags, int errno, LoadedModule before, long taintBefore, long taintAfter,
                    List<String> oopses) {
        }

        ModuleSubsystem wrap(ModuleSubsystem k) {
            SimulatedKernel simulated = k instanceof SimulatedKernel s0 ? s0
                    : k instanceof org.kmod4j.snapshot.SnapshotKernel sk ? sk.simulator() : null;
            if (simulated != null) {
                SimulatedKernel s = simulated;
                sim = s;
                initialTaint = s.taintedMask();
                modulesDisabled = s.modulesDisabled();
            }
            try {
                initial = k.loadedModules();
            } catch (ViewException e) {
                initial = List.of();
            }
            Recorder self = this;
            return new ForwardingModuleSubsystem(k) {
                @Override
                public SyscallResult deleteModule(UserString name, int flags) {
                    LoadedModule before = self.find(k, name.toString());
                    long t0 = self.taint();
                    int oopses = self.oopsCount();
                    SyscallResult r = k.deleteModule(name, flags);
                    self.record(name.toString(), flags, r, before, t0, oopses);
                    return r;
                }

                @Override
                public TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
                    LoadedModule before = self.find(k, name);
                    long t0 = self.taint();
                    int oopses = self.oopsCount();
                    TimedRemoval r = k.deleteModuleWaiting(name, flags, timeout);
                    self.record(name, flags, r.result(), before, t0, oopses);
                    return r;
                }

            };
        }

        private LoadedModule find(ModuleSubsystem k, String name) {
            try {
                for (LoadedModule m : k.loadedModules()) {
                    if (m.name().value().equals(name)) {
                        return m;
                    }
                }
            } catch (ViewException | RuntimeException e) {
                // none
            }
            return null;
        }

        private long taint() {
            return sim == null ? 0 : sim.taintedMask();
        }

        private int oopsCount() {
            return sim == null ? 0 : sim.oopses().size();
        }

        private synchronized void record(String name, int flags, SyscallResult r, LoadedModule before, long t0,
                                         int oopsesBefore) {
            List<String> oopses = new ArrayList<>();
            if (sim != null) {
                sim.oopses().stream().skip(oopsesBefore).forEach(x -> oopses.add(x.module() + ": " + x.what()));
            }
            calls.add(new Call(name, flags, r.isOk() ? 0 : r.error().number(), before, t0, taint(), oopses));
        }
    }

    // ---- order -----------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static List<String> operands(String tool, Map<String, Object> report) {
        List<String> out = new ArrayList<>();
        Object list = report.get(tool.equals("rmmod") ? "results" : "arguments");
        if (list instanceof List<?> l) {
            for (Object o : l) {
                out.add(String.valueOf(((Map<String, Object>) o).get("argument")));
            }
        }
        return out;
    }

    /** The operands with every module's users (holders, transitively, among the operands) before it. */
    static List<String> holdersFirst(List<String> operands, List<LoadedModule> state) {
        Map<String, List<String>> holders = new LinkedHashMap<>();
        for (LoadedModule m : state) {
            holders.put(m.name().value(), m.holders().stream().map(ModuleName::value).toList());
        }
        Map<String, String> byName = new LinkedHashMap<>();
        for (String o : operands) {
            byName.putIfAbsent(o.replace('-', '_'), o);
        }
        Set<String> done = new LinkedHashSet<>();
        Set<String> visiting = new java.util.HashSet<>();
        for (String o : operands) {
            visit(o.replace('-', '_'), holders, byName, done, visiting);
        }
        List<String> out = new ArrayList<>();
        for (String d : done) {
            out.add(byName.get(d));
        }
        return out;
    }

    private static void visit(String m, Map<String, List<String>> holders, Map<String, String> operands,
                              Set<String> done, Set<String> visiting) {
        if (done.contains(m) || !visiting.add(m)) {
            return;
        }
        for (String h : reach(m, holders)) {
            if (operands.containsKey(h)) {
                visit(h, holders, operands, done, visiting);
            }
        }
        if (operands.containsKey(m)) {
            done.add(m);
        }
    }

    /** Every module that uses {@code m}, directly or through others. */
    private static Set<String> reach(String m, Map<String, List<String>> holders) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(holders.getOrDefault(m, List.of()));
        while (!todo.isEmpty()) {
            String h = todo.removeFirst();
            if (seen.add(h)) {
                todo.addAll(holders.getOrDefault(h, List.of()));
            }
        }
        return seen;
    }

    // ---- the document ----------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    private static Map<String, Object> document(String tool, List<String> toolArgs, ToolRun run, List<String> order,
                                                boolean orderWorks) {
        Recorder rec = run.recorder();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("explain", 1);
        doc.put("command", (tool + " " + String.join(" ", toolArgs)).strip());
        doc.put("target", run.target());
        doc.put("exit_status", run.status());
        doc.put("would_succeed", run.status() == 0);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("loaded", rec.initial.size());
        state.put("tainted", rec.initialTaint);
        state.put("modules_disabled", rec.modulesDisabled);
        doc.put("state", state);
        List<Object> steps = new ArrayList<>();
        List<String> cascade = new ArrayList<>();
        List<String> absent = new ArrayList<>();
        int callIndex = 0;
        List<Map<String, Object>> events = new ArrayList<>();
        if (tool.equals("rmmod")) {
            for (Object o : (List<Object>) run.report().getOrDefault("results", List.of())) {
                Map<String, Object> r = (Map<String, Object>) o;
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("module", r.get("module") != null ? r.get("module") : r.get("argument"));
                e.put("role", "argument");
                e.put("outcome", r.get("outcome"));
                for (String k : List.of("syscall", "reason", "cause", "errno", "holders", "refcnt")) {
                    if (r.containsKey(k)) {
                        e.put(k, r.get(k));
                    }
                }
                events.add(e);
            }
        } else {
            for (Object o : (List<Object>) run.report().getOrDefault("events", List.of())) {
                events.add(new LinkedHashMap<>((Map<String, Object>) o));
            }
            for (Object o : (List<Object>) run.report().getOrDefault("arguments", List.of())) {
                Map<String, Object> a = (Map<String, Object>) o;
                if (!"ok".equals(a.get("outcome")) && !"failed".equals(a.get("outcome"))) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("module", a.get("argument"));
                    e.put("role", "argument");
                    e.put("outcome", a.get("outcome"));
                    events.add(e);
                }
            }
        }
        for (Map<String, Object> e : events) {
            Map<String, Object> step = new LinkedHashMap<>(e);
            String module = String.valueOf(e.get("module"));
            Object sc = e.get("syscall");
            Recorder.Call call = null;
            if (sc instanceof Map<?, ?> scm && callIndex < rec.calls.size()) {
                call = rec.calls.get(callIndex++);
                Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) scm);
                s.put("flag_names", flagNames(call.flags()));
                Errno errno = call.errno() == 0 ? null : Errno.ofNumber(call.errno());
                s.put("errno", errno == null ? null : errno.name());
                step.put("syscall", s);
            }
            LoadedModule before = call != null ? call.before() : find(rec.initial, module);
            if (before != null) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("state", before.state().name().toLowerCase(java.util.Locale.ROOT));
                b.put("refcnt", before.refcount());
                b.put("holders", before.holders().stream().map(ModuleName::value).toList());
                b.put("permanent", before.permanent());
                step.put("before", b);
            }
            String outcome = String.valueOf(e.get("outcome"));
            String cause = e.get("cause") != null ? String.valueOf(e.get("cause"))
                    : e.get("reason") != null ? String.valueOf(e.get("reason")) : outcome;
            step.put("explanation", explanation(cause, outcome, step, before));
            if (call != null) {
                step.put("taint_before", call.taintBefore());
                step.put("taint_after", call.taintAfter());
                long added = call.taintAfter() & ~call.taintBefore();
                step.put("taint_added", Taint.letters(added));
                boolean forced = (call.flags() & 0x200) != 0;
                if (forced && call.errno() == 0 && before != null && before.refcount() > 0) {
                    step.put("oops_hazard", "forced unload while " + before.refcount() + " reference(s) are held"
                            + (before.holders().isEmpty() ? "" : " (by " + String.join(" ",
                            before.holders().stream().map(ModuleName::value).toList()) + ")")
                            + ": the module's memory is freed, and when a holder drops its reference the kernel "
                            + "touches freed memory (oops)");
                }
                if (!call.oopses().isEmpty()) {
                    step.put("oopses", call.oopses());
                }
            }
            if ("dependency".equals(e.get("role")) && "removed".equals(outcome)) {
                cascade.add(module);
            }
            if (List.of("not-loaded", "not-in-kernel", "builtin", "builtin-ignored").contains(cause)) {
                absent.add(module + " (" + (cause.startsWith("builtin") ? "builtin" : "not loaded") + ")");
            }
            steps.add(step);
        }
        doc.put("steps", steps);
        doc.put("cascade", cascade);
        doc.put("absent", absent);
        Map<String, Object> taint = new LinkedHashMap<>();
        long after = rec.sim == null ? rec.initialTaint : rec.sim.taintedMask();
        taint.put("before", rec.initialTaint);
        taint.put("after", after);
        taint.put("added", Taint.letters(after & ~rec.initialTaint));
        doc.put("taint", taint);
        doc.put("oopses", rec.sim == null ? List.of() : rec.sim.oopses().stream().map(x -> x.module() + ": "
                + x.what()).toList());
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("given_order_fails", order != null);
        o.put("holders_first", order);
        o.put("holders_first_works", order != null && orderWorks);
        doc.put("order", o);
        doc.put("stdout", run.stdout());
        doc.put("stderr", run.stderr());
        Map<String, Object> caller = new LinkedHashMap<>();
        boolean cap = hasCapSysModule();
        caller.put("cap_sys_module", cap);
        caller.put("note", cap ? "you may remove modules (CAP_SYS_MODULE)"
                : "the prediction is for root; run as you are, every delete_module on a real kernel fails with EPERM "
                        + "(Operation not permitted) before any rule above applies");
        doc.put("caller", caller);
        return doc;
    }

    private static LoadedModule find(List<LoadedModule> state, String name) {
        String n = name.replace('-', '_');
        for (LoadedModule m : state) {
            if (m.name().value().equals(n)) {
                return m;
            }
        }
        return null;
    }

    static List<String> flagNames(int flags) {
        List<String> out = new ArrayList<>();
        if ((flags & 0x800) != 0) {
            out.add("O_NONBLOCK");
        }
        if ((flags & 0x200) != 0) {
            out.add("O_TRUNC");
        }
        if ((flags & ~0xa00) != 0) {
            out.add("0x" + Integer.toHexString(flags & ~0xa00));
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static String explanation(String cause, String outcome, Map<String, Object> step, LoadedModule before) {
        String refs = before == null ? "" : " (refcount " + before.refcount() + ")";
        String holders = step.get("holders") instanceof List<?> h ? String.join(" ", (List<String>) h)
                : before == null ? "" : String.join(" ", before.holders().stream().map(ModuleName::value).toList());
        return switch (cause) {
            case "removed" -> "removed";
            case "would-remove" -> "would be removed (dry run: not removed)";
            case "already-removed" -> "already removed earlier in this run";
            case "in-use-by" -> "in use by " + holders + ": remove them first (rmmod checks before delete_module)";
            case "in-use" -> before != null && !before.holders().isEmpty()
                    ? "in use by " + holders + refs + ": the kernel refuses while other modules use it, even forced"
                    : "in use" + refs + ": references held outside modules (open devices, mounts, ...)";
            case "builtin", "builtin-ignored" -> "builtin: part of the kernel image, never removable";
            case "not-loaded", "not-in-kernel" -> "not loaded: already absent";
            case "not-found" -> "not found: no module or alias of that name";
            case "invalid-name" -> "invalid module name";
            case "permanent" -> "permanent: it has an init function and no exit function, the kernel refuses (EBUSY)";
            case "not-live" -> "not live: " + (before == null ? "" : before.state().name().toLowerCase(java.util.Locale.ROOT))
                    + " (EBUSY)";
            case "being-unloaded" -> "being unloaded (EBUSY)" + refs;
            case "timed-out" -> "still in use when the wait ended" + refs;
            case "no-privilege" -> "missing privilege: CAP_SYS_MODULE is needed (EPERM)";
            case "modules-disabled" -> "modules_disabled is 1: no module can be removed until reboot (EPERM)";
            case "unloading-not-supported" -> "the kernel cannot unload modules (ENOSYS)";
            case "would-run-command" -> "a modprobe.d remove command (not run by explain): " + step.get("command");
            case "command" -> "the modprobe.d remove command ran";
            case "command-failed" -> "the modprobe.d remove command failed";
            case "cycle" -> "soft-dependency cycle, not followed";
            case "not-processed", "skipped" -> "not processed: the run stopped before it";
            default -> cause.equals(outcome) ? outcome : outcome + " (" + cause + ")";
        };
    }

    /** Whether this process has CAP_SYS_MODULE (bit 16 of CapEff in /proc/self/status). */
    static boolean hasCapSysModule() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("CapEff:")) {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & (1L << 16)) != 0;
                }
            }
        } catch (Exception e) {
            // unknown: say no
        }
        return false;
    }

    // ---- text ------------------------------------------------------------------------------------------------

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> doc) {
        StringBuilder b = new StringBuilder();
        Map<String, Object> state = (Map<String, Object>) doc.get("state");
        b.append("explain: ").append(doc.get("command")).append('\n');
        b.append("target:  ").append(doc.get("target")).append(", seeded into a simulated kernel (nothing is changed)\n");
        b.append("state:   ").append(state.get("loaded")).append(" modules loaded, tainted ")
                .append(state.get("tainted")).append(", modules_disabled ")
                .append(Boolean.TRUE.equals(state.get("modules_disabled")) ? 1 : 0).append('\n');
        b.append("steps:\n");
        int i = 1;
        for (Object o : (List<Object>) doc.get("steps")) {
            Map<String, Object> s = (Map<String, Object>) o;
            b.append(String.format("  %d. %s [%s]: %s%n", i++, s.get("module"), s.get("role"), s.get("explanation")));
            if (s.get("before") instanceof Map<?, ?> before) {
                b.append("     before: ").append(before.get("state")).append(", refcount ").append(before.get("refcnt"))
                        .append(", holders ").append(((List<?>) before.get("holders")).isEmpty() ? "none"
                                : String.join(" ", (List<String>) before.get("holders")))
                        .append(Boolean.TRUE.equals(before.get("permanent")) ? ", permanent" : "").append('\n');
            }
            if (s.get("syscall") instanceof Map<?, ?> sc) {
                Object errno = sc.get("errno");
                b.append("     delete_module(\"").append(s.get("module")).append("\", ")
                        .append(((List<String>) sc.get("flag_names")).isEmpty() ? "0"
                                : String.join("|", (List<String>) sc.get("flag_names")))
                        .append(") = ").append(errno == null ? "0" : "-1 " + errno + " (" + Errno.valueOf(String.valueOf(errno))
                                .message() + ")").append('\n');
            } else if (!"would-run-command".equals(s.get("outcome"))) {
                b.append("     no delete_module call\n");
            }
            if (s.containsKey("taint_added") && !String.valueOf(s.get("taint_added")).isEmpty()) {
                b.append("     taint: ").append(s.get("taint_before")).append(" -> ").append(s.get("taint_after"))
                        .append(" (adds ").append(s.get("taint_added")).append(")\n");
            }
            if (s.containsKey("oops_hazard")) {
                b.append("     HAZARD: ").append(s.get("oops_hazard")).append('\n');
            }
        }
        List<String> cascade = (List<String>) doc.get("cascade");
        if (!cascade.isEmpty()) {
            b.append("cascade: ").append(String.join(" ", cascade)).append(" (dependencies left unused)\n");
        }
        List<String> absent = (List<String>) doc.get("absent");
        if (!absent.isEmpty()) {
            b.append("absent:  ").append(String.join(", ", absent)).append('\n');
        }
        Map<String, Object> taint = (Map<String, Object>) doc.get("taint");
        if (!String.valueOf(taint.get("added")).isEmpty()) {
            b.append("taint:   ").append(taint.get("before")).append(" -> ").append(taint.get("after"))
                    .append(" (adds ").append(taint.get("added")).append(")\n");
        }
        Map<String, Object> order = (Map<String, Object>) doc.get("order");
        if (Boolean.TRUE.equals(order.get("given_order_fails"))) {
            b.append("order:   the order given fails; holders first (")
                    .append(String.join(" ", (List<String>) order.get("holders_first"))).append(") ")
                    .append(Boolean.TRUE.equals(order.get("holders_first_works")) ? "works" : "fails too")
                    .append('\n');
        }
        b.append("predicted: exit status ").append(doc.get("exit_status"))
                .append(Boolean.TRUE.equals(doc.get("would_succeed")) ? " (succeeds)" : " (fails)").append('\n');
        for (String stream : List.of("stdout", "stderr")) {
            String t = String.valueOf(doc.get(stream));
            for (String line : t.isEmpty() ? new String[0] : t.split("\n")) {
                b.append("  ").append(stream).append(": ").append(line).append('\n');
            }
        }
        Map<String, Object> caller = (Map<String, Object>) doc.get("caller");
        b.append("caller:  ").append(caller.get("note")).append('\n');
        return b.toString();
    }

    /** A small JSON reader and writer for the tool's report and explain's own document. */
    static final class JsonText {
        private final String s;
        private int i;

        private JsonText(String s) {
            this.s = s;
        }

        static Object parse(String s) {
            JsonText p = new JsonText(s);
            Object v = p.value();
            p.ws();
            if (p.i != s.length()) {
                throw new IllegalArgumentException("trailing text at " + p.i);
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }

        private Object value() {
            ws();
            if (i >= s.length()) {
                throw new IllegalArgumentException("end of text");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{' -> {
                    i++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    ws();
                    if (s.charAt(i) == '}') {
                        i++;
                        return m;
                    }
                    while (true) {
                        ws();
                        String k = string();
                        ws();
                        expect(':');
                        m.put(k, value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect('}');
                            return m;
                        }
                    }
                }
                case '[' -> {
                    i++;
                    List<Object> l = new ArrayList<>();
                    ws();
                    if (s.charAt(i) == ']') {
                        i++;
                        return l;
                    }
                    while (true) {
                        l.add(value());
                        ws();
                        if (s.charAt(i) == ',') {
                            i++;
                        } else {
                            expect(']');
                            return l;
                        }
                    }
                }
                case '"' -> {
                    return string();
                }
                default -> {
                    int start = i;
                    while (i < s.length() && ",}] \n\t\r".indexOf(s.charAt(i)) < 0) {
                        i++;
                    }
                    String t = s.substring(start, i);
                    return switch (t) {
                        case "true" -> Boolean.TRUE;
                        case "false" -> Boolean.FALSE;
                        case "null" -> null;
                        default -> {
                            try {
                                yield Long.parseLong(t);
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("bad value " + t);
                            }
                        }
                    };
                }
            }
        }

        private void expect(char c) {
            if (i >= s.length() || s.charAt(i) != c) {
                throw new IllegalArgumentException("expected " + c + " at " + i);
            }
            i++;
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c == '\\') {
                    char e = s.charAt(i++);
                    switch (e) {
                        case 'n' -> b.append('\n');
                        case 't' -> b.append('\t');
                        case 'r' -> b.append('\r');
                        case 'b' -> b.append('\b');
                        case 'f' -> b.append('\f');
                        case 'u' -> {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                            i += 4;
                        }
                        default -> b.append(e);
                    }
                } else {
                    b.append(c);
                }
            }
        }

        static String write(Object v) {
            StringBuilder b = new StringBuilder();
            write(b, v);
            return b.toString();
        }

        private static void write(StringBuilder b, Object v) {
            switch (v) {
                case null -> b.append("null");
                case String str -> {
                    b.append('"');
                    for (char c : str.toCharArray()) {
                        switch (c) {
                            case '"' -> b.append("\\\"");
                            case '\\' -> b.append("\\\\");
                            case '\n' -> b.append("\\n");
                            case '\t' -> b.append("\\t");
                            case '\r' -> b.append("\\r");
                            default -> {
                                if (c < 0x20) {
                                    b.append(String.format("\\u%04x", (int) c));
                                } else {
                                    b.append(c);
                                }
                            }
                        }
                    }
                    b.append('"');
                }
                case Map<?, ?> m -> {
                    b.append('{');
                    boolean first = true;
                    for (Map.Entry<?, ?> e : m.entrySet()) {
                        if (!first) {
                            b.append(',');
                        }
                        first = false;
                        write(b, String.valueOf(e.getKey()));
                        b.append(':');
                        write(b, e.getValue());
                    }
                    b.append('}');
                }
                case List<?> l -> {
                    b.append('[');
                    for (int k = 0; k < l.size(); k++) {
                        if (k > 0) {
                            b.append(',');
                        }
                        write(b, l.get(k));
                    }
                    b.append(']');
                }
                default -> b.append(v);
            }
        }
    }
}
