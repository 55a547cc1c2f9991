package org.kmod4j.tools;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmod4j.modules.Module;
import org.kmod4j.modules.Reason;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.Step;

/**
 * The {@code --json} documents of the tools (docs/json-schema.md), made from the library's results: the same
 * {@link Removal} the text output is printed from, so the two cannot disagree. {@code kmod4j explain} builds its steps
 * from the same mapping ({@link #rmmodResult}, {@link #event}, {@link #outcome}).
 */
public final class JsonReport {
    private JsonReport() {
    }

    /** lsmod's document. */
    static Map<String, Object> lsmod(List<Module> modules) {
        List<Object> rows = new ArrayList<>();
        for (Module m : modules) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("name", m.name());
            row.put("size", m.size());
            row.put("refcnt", m.refcount());
            row.put("holders", m.holders());
            row.put("initstate", switch (m.state()) {
                case LIVE -> "live";
                case COMING -> "coming";
                case GOING -> "going";
                case BUILTIN -> "builtin";
                case NOT_LOADED -> null;
            });
            row.put("permanent", m.permanent());
            row.put("taints", m.taints());
            rows.add(row);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "lsmod");
        doc.put("schema", 1);
        doc.put("modules", rows);
        return doc;
    }

    /** rmmod's document; {@code removal} is null when rmmod stopped before the modules. */
    static Map<String, Object> rmmod(int status, Removal removal) {
        List<Object> results = new ArrayList<>();
        String error = null;
        if (removal != null) {
            for (Removal.Argument a : removal.arguments()) {
                results.add(rmmodResult(removal, a));
                Step last = last(removal, a);
                if (last != null && last.reason() == Reason.UNSAFE_FIXTURE) {
                    error = last.errorText();
                }
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "rmmod");
        doc.put("schema", 1);
        doc.put("exit_status", status);
        doc.put("results", results);
        if (error != null) {
            doc.put("error", error);
        }
        return doc;
    }

    /** The step an rmmod argument ended with, or null (not processed, or no step). */
    private static Step last(Removal removal, Removal.Argument a) {
        List<Step> steps = a.status() == Removal.Status.NOT_PROCESSED ? List.of() : removal.stepsOf(a.argument());
        return steps.isEmpty() ? null : steps.getLast();
    }

    /**
     * One result of rmmod's document: an argument, the module, the syscall made and how it ended.
     *
     * @param removal  rmmod's removal
     * @param argument one of its arguments
     * @return the result, in the document's key order
     */
    public static Map<String, Object> rmmodResult(Removal removal, Removal.Argument argument) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("argument", argument.argument());
        if (argument.status() == Removal.Status.NOT_PROCESSED) {
            r.put("module", null);
            r.put("outcome", "skipped");
            return r;
        }
        Step last = last(removal, argument);
        r.put("module", last == null ? null : last.module());
        if (last != null && last.syscall() != null) {
            r.put("syscall", syscall(last.syscall()));
        }
        if (last == null || !last.failed()) {
            r.put("outcome", "removed");
            return r;
        }
        r.put("outcome", "failed");
        if (last.syscall() != null) {
            r.put("reason", "syscall");
            r.put("errno", last.syscall().result());
            r.put("cause", last.reason().id());
        } else {
            r.put("reason", last.reason().id());
            switch (last.reason()) {
                case IN_USE_BY_HOLDERS -> r.put("holders", last.holders());
                case REFCOUNT_UNREADABLE -> {
                    r.put("errno", errnoName(-last.refcount()));
                    r.put("refcnt", last.refcount());
                }
                case IN_USE, BEING_UNLOADED -> r.put("refcnt", last.refcount());
                default -> {
                }
            }
        }
        return r;
    }

    /**
     * modprobe's document; {@code removal} is null when modprobe stopped before the modules.
     *
     * @param commandsHeldBy the option that kept remove commands from running ({@code --root}, {@code --sim}), or null
     * @param waitMs         {@code -w}'s value as given (the library waits at most a century of it)
     */
    static Map<String, Object> modprobe(int status, boolean dryRun, Removal removal, String commandsHeldBy,
                                        long waitMs, String fixtureError) {
        List<Object> arguments = new ArrayList<>();
        List<Object> events = new ArrayList<>();
        String error = fixtureError;
        if (removal != null) {
            for (Removal.Argument a : removal.arguments()) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("argument", a.argument());
                r.put("modules", a.modules());
                r.put("outcome", outcome(a.status()));
                arguments.add(r);
            }
            for (Step s : removal.steps()) {
                if (s.module() == null) {
                    if (s.reason() == Reason.UNSAFE_FIXTURE) {
                        error = s.errorText();
                    }
                    continue; // not found, invalid name, unusable input: an argument's outcome, not an event
                }
                events.add(event(s, dryRun, commandsHeldBy, waitMs));
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("tool", "modprobe");
        doc.put("schema", 1);
        doc.put("exit_status", status);
        doc.put("dry_run", dryRun);
        doc.put("module_directory", removal == null ? null : removal.moduleDirectory());
        doc.put("config_files", removal == null ? List.of() : removal.configFiles());
        doc.put("arguments", arguments);
        doc.put("events", events);
        if (error != null) {
            doc.put("error", error);
        }
        return doc;
    }

    /**
     * An argument's outcome in modprobe's document.
     *
     * @param status how the argument ended
     * @return {@code ok}, {@code failed}, {@code not-found}, {@code invalid-name} or {@code not-processed}
     */
    public static String outcome(Removal.Status status) {
        return switch (status) {
            case DONE -> "ok";
            case FAILED -> "failed";
            case NOT_FOUND -> "not-found";
            case INVALID_NAME -> "invalid-name";
            case NOT_PROCESSED -> "not-processed";
        };
    }

    /**
     * One event of modprobe's document: a step with a module.
     *
     * @param s              the step
     * @param dryRun         whether the removal was a dry run
     * @param commandsHeldBy the option that kept remove commands from running, or null
     * @param waitMs         {@code -w}'s value
     * @return the event, in the document's key order
     */
    public static Map<String, Object> event(Step s, boolean dryRun, String commandsHeldBy, long waitMs) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("module", s.module());
        e.put("role", s.role().id());
        String outcome = switch (s.reason()) {
            case NOT_LOADED -> s.failed() ? "not-in-kernel"
                    : s.refcount() != null && s.refcount() == -2 ? "no-refcnt" : "not-loaded";
            case BUILTIN -> s.failed() ? "builtin" : "builtin-ignored";
            case COMMAND_NOT_RUN -> "would-run-command";
            default -> s.syscall() != null && !s.syscall().ok() ? "remove-failed" : s.reason().id();
        };
        e.put("outcome", outcome);
        if (s.reason() == Reason.IN_USE && s.syscall() == null) {
            e.put("refcnt", s.refcount());
        }
        if (s.command() != null) {
            e.put("command", s.command());
            if (s.reason() == Reason.COMMAND_NOT_RUN && !dryRun && commandsHeldBy != null) {
                e.put("not_run", commandsHeldBy);
            }
            if (s.commandStatus() != null) {
                e.put("command_status", s.commandStatus());
            }
        }
        if (s.waitTimeout() != null) {
            e.put("wait_ms", waitMs);
        }
        if (s.syscall() != null) {
            e.put("syscall", syscall(s.syscall()));
            if (!s.syscall().ok()) {
                e.put("cause", s.reason().id());
            }
        }
        return e;
    }

    private static Map<String, Object> syscall(Step.Syscall call) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("name", call.name());
        c.put("flags", call.flags());
        c.put("result", call.result());
        return c;
    }

    private static String errnoName(int number) {
        org.kmod4j.api.Errno e = org.kmod4j.api.Errno.ofNumber(number);
        return e != null ? e.name() : Integer.toString(number);
    }
}
