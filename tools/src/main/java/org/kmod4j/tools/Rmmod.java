package org.kmod4j.tools;

import java.util.List;
import org.kmod4j.host.FixtureException;
import org.kmod4j.kmod.KmodLog;
import org.kmod4j.libc.Getopt.HasArg;
import org.kmod4j.libc.Getopt.LongOption;
import org.kmod4j.libc.Getopt;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemovalListener;
import org.kmod4j.modules.RemoveOptions;
import org.kmod4j.modules.Severity;
import org.kmod4j.modules.Step;

/**
 * {@code rmmod} as kmod 30 behaves ({@code tools/rmmod.c}; docs/tools.md, "rmmod"), messages in kmod's non-debug form, with the
 * project's chosen fixes (docs/tools.md): {@code -w} is an unknown option, a module that cannot be created ends the run
 * with status 1, {@code -s} logs the "in use by" line as one message, and a module being unloaded gets
 * {@code Module X is being unloaded} instead of a silent failure.
 */
public final class Rmmod {
    private static final List<LongOption> LONG_OPTIONS = Target.withKmod4jOptions(List.of(
            new LongOption("force", HasArg.NO, 'f', false),
            new LongOption("syslog", HasArg.NO, 's', false),
            new LongOption("verbose", HasArg.NO, 'v', false),
            new LongOption("version", HasArg.NO, 'V', false),
            new LongOption("help", HasArg.NO, 'h', false)));

    /** kmod 30's "fsvVwh" without the dead {@code w} (chosen policy, as kmod 34). */
    private static final String SHORT_OPTIONS = "fsvVh";

    /** What {@code -V} prints: kmod's version, and the features this implementation has (none of kmod's). */
    public static final String VERSION_TEXT = "kmod version 30\n-ZSTD -XZ -ZLIB -LIBCRYPTO -EXPERIMENTAL\n";

    private Rmmod() {
    }

    /** kmod 30's help text, then kmod4j's options ({@link Kmod4jHelp}). */
    static String help(String prog) {
        return "Usage:\n"
                + "\t" + prog + " [options] modulename ...\n"
                + "Options:\n"
                + "\t-f, --force       forces a module unload and may crash your\n"
                + "\t                  machine. This requires Forced Module Removal\n"
                + "\t                  option in your kernel. DANGEROUS\n"
                + "\t-s, --syslog      print to syslog, not stderr\n"
                + "\t-v, --verbose     enables more messages\n"
                + "\t-V, --version     show version\n"
                + "\t-h, --help        show this help\n"
                + Kmod4jHelp.rmmod();
    }

    /** Runs {@code rmmod ARGS} and returns the exit status (0 or 1). */
    public static int run(String prog, List<String> args, ToolIo io) {
        try {
            return new Run(prog, io).rmmod(args);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Never a stack trace, and kmod's exit statuses are only 0 and 1.
            io.err().print(prog + ": ERROR: " + Target.failureMessage(e) + "\n");
            return 1;
        } finally {
            io.out().flush();
            io.err().flush();
        }
    }

    private static final class Run {
        private final String prog;
        private final ToolIo io;
        private final ToolLog log;

        Run(String prog, ToolIo io) {
            this.prog = prog;
            this.io = io;
            this.log = new ToolLog(prog, io.err());
        }

        int rmmod(List<String> args) {
            boolean force = false;
            boolean useSyslog = false;
            int verbose = KmodLog.LOG_ERR;
            Target.CommandLineOptions kmod4j = new Target.CommandLineOptions();
            Getopt getopt = new Getopt(prog, args, SHORT_OPTIONS, LONG_OPTIONS, io.err());
            Getopt.Opt o;
            while ((o = getopt.next()) != null) {
                switch (o.val()) {
                    case 'f' -> force = true;
                    case 's' -> useSyslog = true;
                    case 'v' -> verbose++;
                    case 'h' -> {
                        io.out().print(help(prog));
                        return 0;
                    }
                    case 'V' -> {
                        io.out().print(VERSION_TEXT);
                        return 0;
                    }
                    default -> {
                        if (!kmod4j.take(o)) {
                            return 1;
                        }
                    }
                }
            }
            log.open(useSyslog ? io.syslog() : null);
            try {
                Removal removal = removeAll(getopt.operands(), force, verbose, kmod4j.target());
                int status = removal != null && removal.succeeded() ? 0 : 1;
                if (kmod4j.json()) {
                    io.out().print(Json.write(JsonReport.rmmod(status, removal)) + "\n");
                }
                return status;
            } finally {
                log.close();
            }
        }

        /** The removal, or null when rmmod stopped before the modules. */
        private Removal removeAll(List<String> operands, boolean force, int verbose, Target.Options options) {
            if (operands.isEmpty()) {
                log.error("missing module name.\n");
                return null;
            }
            Kmod kmod;
            try {
                kmod = io.targets().open(options);
            } catch (Target.TargetException e) {
                log.error(e.getMessage() + "\n");
                return null;
            } catch (FixtureException e) {
                io.err().print(prog + ": ERROR: " + e.getMessage() + "\n");
                return null;
            }
            log.priority = verbose;
            RemoveOptions.Builder options2 = RemoveOptions.rmmod().workingDirectory(io.cwd()).listener(new Printer());
            if (force) {
                options2.force();
            }
            try {
                return io.remove(kmod, operands, options2.build());
            } catch (KmodException e) {
                log.error(e.getMessage() + "\n"); // explain could not copy the target's state
                return null;
            }
        }

        /** kmod's messages, printed as each step ends. */
        private final class Printer implements RemovalListener {
            @Override
            public void report(Severity severity, String function, String message) {
                log.log(severity.syslogPriority(), function, message);
            }

            @Override
            public void finished(Step step) {
                String name = step.module();
                if (step.syscall() != null && !step.syscall().ok()) {
                    log.error("could not remove module " + step.argument() + ": " + step.syscall().text() + "\n");
                    return;
                }
                switch (step.reason()) {
                    case BAD_ARGUMENT -> log.error("could not use module " + step.argument() + ": "
                            + step.errorText() + "\n");
                    // a fixture kmod4j refuses to use is reported whatever -s says: it is about kmod4j's input
                    case UNSAFE_FIXTURE -> io.err().print(prog + ": ERROR: " + step.errorText() + "\n");
                    case BUILTIN -> log.error("Module " + name + " is builtin.\n");
                    case NOT_LOADED -> log.error("Module " + name + " is not currently loaded\n");
                    // one message, also with -s (kmod 30 sent the names to stderr and the rest to syslog)
                    case IN_USE_BY_HOLDERS -> log.error("Module " + name + " is in use by: "
                            + String.join(" ", step.holders()) + "\n");
                    case IN_USE -> log.error("Module " + name + " is in use\n");
                    case UNLOADING_NOT_SUPPORTED -> log.error("Module unloading is not supported\n");
                    // kmod 30 fails silently here (docs/tools.md); the chosen policy names the reason
                    case BEING_UNLOADED -> log.error("Module " + name + " is being unloaded\n");
                    default -> {
                        // removed, or a count libkmod could not read (kmod prints nothing for it)
                    }
                }
            }
        }
    }
}
