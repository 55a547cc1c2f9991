package org.kmod4j.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.kmod4j.api.Errno;
import org.kmod4j.libc.Syslog;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.Module;
import org.kmod4j.modules.Plan;
import org.kmod4j.modules.Reason;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.Step;
import org.kmod4j.tools.Json;
import org.kmod4j.tools.JsonReport;
import org.kmod4j.tools.Modprobe;
import org.kmod4j.tools.Rmmod;
import org.kmod4j.tools.Target;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * {@code kmod4j explain rmmod|modprobe -r [OPTIONS] NAME...} (docs/explain.md): what the command would do, step by
 * step. The tool itself runs with its own options, predicting instead of removing ({@link ToolIo#withPlans}): it
 * calls the library's {@link Kmod#explain}, which runs the removal on a fresh simulated copy of the target, and prints
 * what the real command would print. This class prints that {@link Plan} as text or JSON. The host's
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
            return explain(args, out, err);
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

    /** The tool's run in explain mode: its status and output, the plan, and the target it was opened on. */
    private record ToolRun(int status, String stdout, String stderr, Plan plan, String target, String commandsHeldBy) {
    }

    private static int explain(List<String> args, PrintWriter out, PrintWriter err) {
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
        if (run.plan() == null && !json) {
            // help, version, a usage error or a target that cannot be opened: the tool's own output is the answer
            out.print(run.stdout());
            err.print(run.stderr());
            return run.status();
        }
        // with --json, also without a removal: the prediction is the tool's exit status and output, no step
        Map<String, Object> doc = document(tool, toolArgs, run);
        if (json) {
            out.println(Json.write(doc));
        } else {
            out.print(text(doc));
        }
        return run.status() == 0 ? 0 : 1;
    }

    /** Runs the tool predicting instead of removing; its output is what the real command would print. */
    private static ToolRun runTool(String tool, List<String> toolArgs) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        PrintWriter out = new PrintWriter(o);
        PrintWriter err = new PrintWriter(e);
        Plan[] plan = {null};
        String[] target = {null, null};
        Target.Factory factory = options -> {
            Kmod kmod = Target.open(options);
            target[0] = options.sim() != null ? "snapshot or scenario " + options.sim()
                    : options.root() != null ? "fixture " + options.root() : "this host (/)";
            // as the modprobe tool decides (explain refuses --run-commands): the option that holds commands back
            target[1] = options.sim() != null ? "--sim" : kmod.isRealHost() ? null : "--root";
            return kmod;
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
        ToolIo io = new ToolIo(out, err, factory, toStderr, Path.of("").toAbsolutePath()).withPlans(p -> plan[0] = p);
        int status = tool.equals("rmmod") ? Rmmod.run("rmmod", toolArgs, io)
                : Modprobe.run("modprobe", toolArgs, io, new Modprobe.Environment(Map.of(), false));
        out.flush();
        err.flush();
        return new ToolRun(status, o.toString(), e.toString(), plan[0], target[0], target[1]);
    }

    // ---- the document ----------------------------------------------------------------------------------------

    /**
     * explain's document (docs/explain.md). A command that removes nothing ({@code -V}, {@code --help}, a usage error,
     * a target that cannot be opened) has no plan: the same keys, no step, {@code state} and {@code taint} null.
     */
    private static Map<String, Object> document(String tool, List<String> toolArgs, ToolRun run) {
        Plan plan = run.plan();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("explain", 1);
        doc.put("command", (tool + " " + String.join(" ", toolArgs)).strip());
        doc.put("target", run.target());
        doc.put("exit_status", run.status());
        doc.put("would_succeed", run.status() == 0);
        Map<String, Object> state = null;
        Map<String, Object> taint = null;
        if (plan != null) {
            state = new LinkedHashMap<>();
            state.put("loaded", plan.initial().loaded());
            state.put("tainted", plan.initial().tainted());
            state.put("modules_disabled", plan.initial().modulesDisabled());
            taint = new LinkedHashMap<>();
            taint.put("before", plan.taintBefore());
            taint.put("after", plan.taintAfter());
            taint.put("added", plan.taintAdded());
        }
        doc.put("state", state);
        doc.put("steps", plan == null ? List.of() : steps(tool, run, plan));
        doc.put("cascade", plan == null ? List.of() : plan.cascade());
        doc.put("absent", plan == null ? List.of() : plan.absent().stream().map(a -> a.module() + " ("
                + (a.reason() == Reason.BUILTIN ? "builtin" : "not loaded") + ")").toList());
        doc.put("taint", taint);
        doc.put("oopses", plan == null ? List.of() : plan.oopses());
        Plan.Order order = plan == null ? null : plan.order();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("given_order_fails", order != null);
        o.put("holders_first", order == null ? null : order.holdersFirst());
        o.put("holders_first_works", order != null && order.works());
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

    /** The steps as the tool's own --json reports them (JsonReport), with what each met on the copy. */
    private static List<Object> steps(String tool, ToolRun run, Plan plan) {
        Removal removal = plan.removal();
        List<Object> steps = new ArrayList<>();
        if (tool.equals("rmmod")) {
            for (Removal.Argument a : removal.arguments()) {
                Map<String, Object> r = JsonReport.rmmodResult(removal, a);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("module", r.get("module") != null ? r.get("module") : r.get("argument"));
                e.put("role", "argument");
                e.put("outcome", r.get("outcome"));
                for (String k : List.of("syscall", "reason", "cause", "errno", "holders", "refcnt")) {
                    if (r.containsKey(k)) {
                        e.put(k, r.get(k));
                    }
                }
                Plan.PlannedStep last = a.status() == Removal.Status.NOT_PROCESSED ? null : plan.steps().stream()
                        .filter(p -> a.argument().equals(p.step().argument())).reduce((x, y) -> y).orElse(null);
                steps.add(step(e, last, plan));
            }
        } else {
            for (Plan.PlannedStep p : plan.steps()) {
                Step s = p.step();
                if (s.module() != null) {
                    long waitMs = s.waitTimeout() == null ? 0 : s.waitTimeout().toMillis();
                    steps.add(step(JsonReport.event(s, removal.dryRun(), run.commandsHeldBy(), waitMs), p, plan));
                }
            }
            for (Removal.Argument a : removal.arguments()) {
                if (a.status() != Removal.Status.DONE && a.status() != Removal.Status.FAILED) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("module", a.argument());
                    e.put("role", "argument");
                    e.put("outcome", JsonReport.outcome(a.status()));
                    steps.add(step(e, null, plan));
                }
            }
        }
        return steps;
    }

    /**
     * A step of the document: the tool's own event {@code e}, with the call's flags by name and errno, the module just
     * before (the initial state for an argument without a step), the explanation, the taint and the hazard.
     */
    private static Map<String, Object> step(Map<String, Object> e, Plan.PlannedStep planned, Plan plan) {
        Map<String, Object> step = new LinkedHashMap<>(e);
        String module = String.valueOf(e.get("module"));
        Step.Syscall call = planned == null ? null : planned.step().syscall();
        if (call != null && e.get("syscall") instanceof Map<?, ?> sc) {
            @SuppressWarnings("unchecked")
            Map<String, Object> s = new LinkedHashMap<>((Map<String, Object>) sc);
            s.put("flag_names", call.flagNames());
            s.put("errno", call.ok() || call.error() == null ? null : call.error().name());
            step.put("syscall", s);
        }
        Module before = planned != null ? planned.before() : plan.initial().modules().stream()
                .filter(m -> m.name().equals(module.replace('-', '_'))).findFirst().orElse(null);
        if (before != null) {
            Map<String, Object> b = new LinkedHashMap<>();
            b.put("state", before.state().name().toLowerCase(Locale.ROOT));
            b.put("refcnt", before.refcount());
            b.put("holders", before.holders());
            b.put("permanent", before.permanent());
            step.put("before", b);
        }
        String outcome = String.valueOf(e.get("outcome"));
        String cause = e.get("cause") != null ? String.valueOf(e.get("cause"))
                : e.get("reason") != null ? String.valueOf(e.get("reason")) : outcome;
        step.put("explanation", explanation(cause, outcome, step, before));
        if (planned != null && planned.call() != null) {
            step.put("taint_before", planned.call().taintBefore());
            step.put("taint_after", planned.call().taintAfter());
            step.put("taint_added", planned.call().taintAdded());
            planned.oopsHazard().ifPresent(h -> step.put("oops_hazard", h));
            if (!planned.call().oopses().isEmpty()) {
                step.put("oopses", planned.call().oopses());
            }
        }
        return step;
    }

    @SuppressWarnings("unchecked")
    private static String explanation(String cause, String outcome, Map<String, Object> step, Module before) {
        String refs = before == null ? "" : " (refcount " + before.refcount() + ")";
        String holders = step.get("holders") instanceof List<?> h ? String.join(" ", (List<String>) h)
                : before == null ? "" : String.join(" ", before.holders());
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
            case "not-live" -> "not live: " + (before == null ? "" : before.state().name().toLowerCase(Locale.ROOT))
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

}
