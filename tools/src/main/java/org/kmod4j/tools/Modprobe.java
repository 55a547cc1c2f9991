package org.kmod4j.tools;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.kmod4j.host.FixtureException;
import org.kmod4j.kmod.KmodLog;
import org.kmod4j.libc.CText;
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
 * {@code modprobe -r} as kmod 30 behaves ({@code tools/modprobe.c}, docs/tools.md, "modprobe -r"), messages in kmod's non-debug form,
 * with the project's chosen fixes (docs/tools.md): the cleanup of dependencies that became unused is recursive, a
 * {@code -w} timeout is an error, a module removed earlier in the run is not removed again, {@code --remove-holders}
 * implies {@code -r}, and a softdep cycle is not followed around. Only removal: modprobe without {@code -r} (loading)
 * and the query modes are refused with a message.
 */
public final class Modprobe {
    /**
     * {@code --run-commands}: kmod4j's own, modprobe only. Runs the configuration's remove commands on the host also
     * under {@code --root DIR} and {@code --sim FILE}, where they are otherwise only reported. Exact spelling only, as
     * kmod4j's other options.
     */
    private static final int OPT_RUN_COMMANDS = 0x1100;

    /**
     * kmod 30's {@code cmdopts}, in its order (getopt's abbreviation and ambiguity rules depend on it), then kmod4j's
     * (the target options, then {@code --run-commands}).
     */
    private static final List<LongOption> LONG_OPTIONS = withRunCommands(Target.withKmod4jOptions(List.of(
            new LongOption("all", HasArg.NO, 'a', false),
            new LongOption("remove", HasArg.NO, 'r', false),
            new LongOption("remove-dependencies", HasArg.NO, 5, false),
            new LongOption("remove-holders", HasArg.NO, 5, false),
            new LongOption("wait", HasArg.REQUIRED, 'w', false),
            new LongOption("resolve-alias", HasArg.NO, 'R', false),
            new LongOption("first-time", HasArg.NO, 3, false),
            new LongOption("ignore-install", HasArg.NO, 'i', false),
            new LongOption("ignore-remove", HasArg.NO, 'i', false),
            new LongOption("use-blacklist", HasArg.NO, 'b', false),
            new LongOption("force", HasArg.NO, 'f', false),
            new LongOption("force-modversion", HasArg.NO, 2, false),
            new LongOption("force-vermagic", HasArg.NO, 1, false),
            new LongOption("show-depends", HasArg.NO, 'D', false),
            new LongOption("showconfig", HasArg.NO, 'c', false),
            new LongOption("show-config", HasArg.NO, 'c', false),
            new LongOption("show-modversions", HasArg.NO, 4, false),
            new LongOption("dump-modversions", HasArg.NO, 4, false),
            new LongOption("show-exports", HasArg.NO, 6, false),
            new LongOption("dry-run", HasArg.NO, 'n', false),
            new LongOption("show", HasArg.NO, 'n', false),
            new LongOption("config", HasArg.REQUIRED, 'C', false),
            new LongOption("dirname", HasArg.REQUIRED, 'd', false),
            new LongOption("set-version", HasArg.REQUIRED, 'S', false),
            new LongOption("syslog", HasArg.NO, 's', false),
            new LongOption("quiet", HasArg.NO, 'q', false),
            new LongOption("verbose", HasArg.NO, 'v', false),
            new LongOption("version", HasArg.NO, 'V', false),
            new LongOption("help", HasArg.NO, 'h', false))));

    private static List<LongOption> withRunCommands(List<LongOption> options) {
        List<LongOption> all = new ArrayList<>(options);
        all.add(new LongOption("run-commands", HasArg.NO, OPT_RUN_COMMANDS, true));
        return List.copyOf(all);
    }

    private static final String SHORT_OPTIONS = "arw:RibfDcnC:d:S:sqvVh";

    /** {@code DEFAULT_VERBOSE}: LOG_WARNING. */
    private static final int DEFAULT_VERBOSE = KmodLog.LOG_WARNING;
    private static final int LOG_EMERG = 0;

    /** The longest wait actually waited: a hundred years. */
    private static final long MAX_WAIT_MS = 100L * 365 * 24 * 3600 * 1000;


    private Modprobe() {
    }

    /**
     * What modprobe takes from its process besides arguments: the environment ({@code MODPROBE_OPTIONS}, and what
     * remove commands inherit) and whether standard error is a terminal (for {@code -w}'s progress line).
     */
    public record Environment(Map<String, String> variables, java.util.function.BooleanSupplier terminal) {
        public Environment {
            variables = Map.copyOf(variables);
        }

        /** A fixed answer for the terminal question. */
        public Environment(Map<String, String> variables, boolean stderrIsTerminal) {
            this(variables, () -> stderrIsTerminal);
        }

        /** Whether standard error is a terminal (asked only when a removal waits). */
        public boolean stderrIsTerminal() {
            return terminal.getAsBoolean();
        }

        /** This process's environment, and {@code isatty(2)}. */
        public static Environment system() {
            return new Environment(System.getenv(), () -> isatty(2));
        }
    }

    /** kmod 30's help text, then kmod4j's options ({@link Kmod4jHelp}). */
    static String help(String prog) {
        String p = prog;
        return "Usage:\n"
                + "\t" + p + " [options] [-i] [-b] modulename\n"
                + "\t" + p + " [options] -a [-i] [-b] modulename [modulename...]\n"
                + "\t" + p + " [options] -r [-i] modulename\n"
                + "\t" + p + " [options] -r -a [-i] modulename [modulename...]\n"
                + "\t" + p + " [options] -c\n"
                + "\t" + p + " [options] --dump-modversions filename\n"
                + "Management Options:\n"
                + "\t-a, --all                   Consider every non-argument to\n"
                + "\t                            be a module name to be inserted\n"
                + "\t                            or removed (-r)\n"
                + "\t-r, --remove                Remove modules instead of inserting\n"
                + "\t    --remove-dependencies   Deprecated: use --remove-holders\n"
                + "\t    --remove-holders        Also remove module holders (use together with -r)\n"
                + "\t-w, --wait <MSEC>           When removing a module, wait up to MSEC for\n"
                + "\t                            module's refcount to become 0 so it can be\n"
                + "\t                            removed (use together with -r)\n"
                + "\t    --first-time            Fail if module already inserted or removed\n"
                + "\t-i, --ignore-install        Ignore install commands\n"
                + "\t-i, --ignore-remove         Ignore remove commands\n"
                + "\t-b, --use-blacklist         Apply blacklist to resolved alias.\n"
                + "\t-f, --force                 Force module insertion or removal.\n"
                + "\t                            implies --force-modversions and\n"
                + "\t                            --force-vermagic\n"
                + "\t    --force-modversion      Ignore module's version\n"
                + "\t    --force-vermagic        Ignore module's version magic\n"
                + "\n"
                + "Query Options:\n"
                + "\t-R, --resolve-alias         Only lookup and print alias and exit\n"
                + "\t-D, --show-depends          Only print module dependencies and exit\n"
                + "\t-c, --showconfig            Print out known configuration and exit\n"
                + "\t-c, --show-config           Same as --showconfig\n"
                + "\t    --show-modversions      Dump module symbol version and exit\n"
                + "\t    --dump-modversions      Same as --show-modversions\n"
                + "\t    --show-exports          Only print module exported symbol versions and exit\n"
                + "\n"
                + "General Options:\n"
                + "\t-n, --dry-run               Do not execute operations, just print out\n"
                + "\t-n, --show                  Same as --dry-run\n"
                + "\t-C, --config=FILE           Use FILE instead of default search paths\n"
                + "\t-d, --dirname=DIR           Use DIR as filesystem root for /lib/modules\n"
                + "\t-S, --set-version=VERSION   Use VERSION instead of `uname -r`\n"
                + "\t-s, --syslog                print to syslog, not stderr\n"
                + "\t-q, --quiet                 disable messages\n"
                + "\t-v, --verbose               enables more messages\n"
                + "\t-V, --version               show version\n"
                + "\t-h, --help                  show this help\n"
                + Kmod4jHelp.modprobe();
    }

    /** Runs {@code modprobe ARGS} in this process's environment and returns the exit status (0 or 1). */
    public static int run(String prog, List<String> args, ToolIo io) {
        return run(prog, args, io, Environment.system());
    }

    /** Runs {@code modprobe ARGS} and returns the exit status (0 or 1). */
    public static int run(String prog, List<String> args, ToolIo io, Environment env) {
        Run run = new Run(prog, io, env);
        try {
            return run.modprobe(args);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // Never a stack trace, and kmod's exit statuses here are only 0 and 1.
            io.err().print(prog + ": ERROR: " + Target.failureMessage(e) + "\n");
            return 1;
        } finally {
            io.out().flush();
            io.err().flush();
        }
    }

    /** {@code strtoul(s, &end, 0)} followed by kmod's {@code !*s || *end} check; null when kmod rejects it. */
    static Long parseWait(String s) {
        if (s.isEmpty()) {
            return null;
        }
        int i = 0;
        while (i < s.length() && CText.isSpace(s.charAt(i))) {
            i++;
        }
        boolean negative = false;
        if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
            negative = s.charAt(i) == '-';
            i++;
        }
        int base = 10;
        if (i + 1 < s.length() && s.charAt(i) == '0' && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X')
                && i + 2 < s.length() && Character.digit(s.charAt(i + 2), 16) >= 0) {
            base = 16;
            i += 2;
        } else if (i < s.length() && s.charAt(i) == '0') {
            base = 8;
        }
        int start = i;
        java.math.BigInteger value = java.math.BigInteger.ZERO;
        while (i < s.length() && s.charAt(i) < 128 && Character.digit(s.charAt(i), base) >= 0) {
            value = value.multiply(java.math.BigInteger.valueOf(base)).add(
                    java.math.BigInteger.valueOf(Character.digit(s.charAt(i), base)));
            i++;
        }
        if (i == start || i != s.length()) {
            return null; // no digits (end = the whole string) or trailing characters
        }
        java.math.BigInteger max = java.math.BigInteger.ONE.shiftLeft(64).subtract(java.math.BigInteger.ONE);
        if (value.compareTo(max) > 0) {
            value = max; // ERANGE: ULONG_MAX, unchecked in kmod 30
        }
        if (negative && value.signum() != 0) {
            value = max.add(java.math.BigInteger.ONE).subtract(value); // unsigned negation
        }
        return value.bitLength() > 63 ? Long.MAX_VALUE : value.longValue();
    }

    /**
     * {@code prepend_options_from_env()}: {@code MODPROBE_OPTIONS} split at each space (so two spaces make an empty
     * word), with kmod's quote handling: a word that starts with a quote runs to the matching quote, a quoted part
     * inside a word loses its quotes, an unmatched quote is kept.
     */
    static List<String> optionsFromEnv(String env) {
        List<String> out = new ArrayList<>();
        if (env == null) {
            return out;
        }
        StringBuilder b = new StringBuilder(env);
        int str = 0;
        int quote = -1;
        int s = 0;
        for (; s < b.length(); s++) {
            char c = b.charAt(s);
            if (quote < 0) {
                if (c == ' ') {
                    out.add(b.substring(str, s));
                    str = s + 1;
                } else if (c == '"' || c == '\'') {
                    quote = s;
                }
            } else if (c == b.charAt(quote)) {
                if (quote == str) {
                    out.add(b.substring(str + 1, s));
                    str = s + 1;
                } else {
                    b.deleteCharAt(s);
                    b.deleteCharAt(quote);
                    s -= 2;
                }
                quote = -1;
            }
        }
        if (str < s) {
            out.add(b.substring(str, s));
        }
        return out;
    }

    /** One modprobe run: kmod's globals. */
    private static final class Run {
        private final String prog;
        private final ToolIo io;
        private final Environment env;
        private final ToolLog log;

        // options
        private int logPriority = KmodLog.LOG_CRIT;
        private int verbose = DEFAULT_VERBOSE;
        private boolean doShow;
        private boolean dryRun;
        private boolean ignoreLoaded;
        private boolean firstTime;
        private boolean ignoreCommands;
        private boolean force;
        private boolean removeHolders;
        private long waitMsec;
        private String modprobeOptions;
        /** {@code --run-commands}: remove commands run on the host whatever the target. */
        private boolean runCommandsOption;
        /**
         * Why remove commands are only reported, not run: {@code "--root"} or {@code "--sim"} (the target is not this
         * host), or null when they run. A fixture's {@code etc/modprobe.d} is test data: its commands must not touch
         * the machine the test runs on.
         */
        private String commandsHeldBy;
        /** The message of a fixture kmod4j refused to use, for the JSON report. */
        private String fixtureError;

        /** What the library did, for the JSON report (null: modprobe stopped before the modules). */
        private Removal removal;

        Run(String prog, ToolIo io, Environment env) {
            this.prog = prog;
            this.io = io;
            this.env = env;
            this.log = new ToolLog(prog, io.err());
            this.modprobeOptions = env.variables().get("MODPROBE_OPTIONS");
        }

        /** {@code env_modprobe_options_append()}: what remove commands see in MODPROBE_OPTIONS. */
        private void appendOption(String value) {
            modprobeOptions = modprobeOptions == null ? value : modprobeOptions + " " + value;
        }

        /** {@code LOG()}: FATAL, or WARNING with {@code -a}; a printed FATAL ends the run. */
        private void fatal(String message) {
            // printed without ending anything: the library stops the removal itself (RemoveOptions.stopAtFatal)
            log.print(logPriority, message);
        }

        /** {@code SHOW()}: actions on stdout with {@code -v} (or {@code -D}). */
        private void show(String line) {
            if (!doShow && verbose <= DEFAULT_VERBOSE) {
                return;
            }
            io.out().print(line);
            io.out().flush();
        }

        int modprobe(List<String> args) {
            List<String> argv = new ArrayList<>(optionsFromEnv(env.variables().get("MODPROBE_OPTIONS")));
            argv.addAll(args);
            boolean useSyslog = false;
            boolean doRemove = false;
            String unsupported = null;
            List<String> configPaths = new ArrayList<>();
            String root = null;
            String kversion = null;
            Target.CommandLineOptions kmod4j = new Target.CommandLineOptions();
            Getopt getopt = new Getopt(prog, argv, SHORT_OPTIONS, LONG_OPTIONS, io.err());
            Getopt.Opt o;
            while ((o = getopt.next()) != null) {
                switch (o.val()) {
                    case 'a' -> logPriority = KmodLog.LOG_WARNING;
                    case 'r' -> doRemove = true;
                    case 5 -> removeHolders = true;
                    case 'w' -> {
                        Long msec = parseWait(o.arg());
                        if (msec == null) {
                            log.error("unexpected wait value '" + o.arg() + "'.\n");
                            return 1;
                        }
                        waitMsec = msec;
                    }
                    case 3 -> firstTime = true;
                    case 'i' -> ignoreCommands = true;
                    case 'b', 2, 1, 'R' -> {
                        // blacklist, modversions, vermagic, resolve-alias: loading only, no effect on removal
                    }
                    case 'f' -> force = true;
                    case 'D' -> {
                        ignoreLoaded = true;
                        dryRun = true;
                        doShow = true;
                    }
                    // kmod's precedence among the query modes: showconfig, then modversions, then exports
                    case 'c' -> unsupported = "--showconfig";
                    case 4 -> unsupported = unsupported == null || unsupported.equals("--show-exports")
                            ? "--show-modversions" : unsupported;
                    case 6 -> unsupported = unsupported == null ? "--show-exports" : unsupported;
                    case 'n' -> dryRun = true;
                    case 'C' -> {
                        configPaths.add(o.arg());
                        appendOption("-C");
                        appendOption(o.arg());
                    }
                    case 'd' -> root = o.arg();
                    case 'S' -> kversion = o.arg();
                    case 's' -> {
                        appendOption("-s");
                        useSyslog = true;
                    }
                    case 'q' -> {
                        appendOption("-q");
                        verbose = LOG_EMERG;
                    }
                    case 'v' -> {
                        appendOption("-v");
                        verbose++;
                    }
                    case 'V' -> {
                        io.out().print(Rmmod.VERSION_TEXT);
                        return 0;
                    }
                    case 'h' -> {
                        io.out().print(help(prog));
                        return 0;
                    }
                    case OPT_RUN_COMMANDS -> runCommandsOption = true;
                    default -> {
                        if (!kmod4j.take(o)) {
                            return 1;
                        }
                    }
                }
            }
            List<String> operands = getopt.operands();
            log.open(useSyslog ? io.syslog() : null);
            int status;
            try {
                status = start(operands, doRemove, unsupported, configPaths, root, kversion,
                        kmod4j.target());
            } catch (ToolLog.FatalExit e) {
                status = 1;
            } catch (FixtureException e) {
                // A fixture kmod4j refuses to use (its message names the file): shown whatever -q or -s say, since it
                // is about kmod4j's input, not one of kmod's messages. Nothing of the fixture was changed by it.
                io.err().print(prog + ": ERROR: " + e.getMessage() + "\n");
                fixtureError = e.getMessage();
                status = 1;
            } finally {
                log.close();
            }
            if (kmod4j.json()) {
                Map<String, Object> doc = JsonReport.modprobe(status, dryRun, removal, commandsHeldBy, waitMsec,
                        fixtureError);
                io.out().print(Json.write(doc) + "\n");
            }
            return status;
        }

        private int start(List<String> operands, boolean doRemove, String unsupported, List<String> configPaths,
                          String root, String kversion, Target.Options options) {
            if (unsupported == null && operands.isEmpty()) {
                log.error("missing parameters. See -h.\n");
                return 1;
            }
            if (unsupported != null) {
                log.error("kmod4j: modprobe only removes modules (-r); " + unsupported + " is not supported.\n");
                return 1;
            }
            if (!doRemove && !removeHolders) {
                log.error("kmod4j: modprobe only removes modules (-r); loading is not supported.\n");
                return 1;
            }
            Kmod kmod;
            try {
                kmod = io.targets().open(options);
            } catch (Target.TargetException e) {
                log.error(e.getMessage() + "\n");
                return 1;
            }
            // Remove commands run on this host only when the target is this host, or when asked to.
            if (!kmod.isRealHost() && !runCommandsOption) {
                commandsHeldBy = options.sim() != null ? "--sim" : "--root";
            }
            if (kversion != null) {
                kmod = kmod.withRelease(kversion);
            }
            if (root != null) {
                // -d DIR: a directory of the user's own file system, like kmod's (made absolute from the cwd).
                String dirname = root + "/lib/modules/" + kmod.release();
                if (!dirname.startsWith("/")) {
                    dirname = io.cwd().toString() + "/" + dirname;
                }
                kmod = kmod.withModuleDirectory(dirname);
            }
            if (!configPaths.isEmpty()) {
                kmod = kmod.withConfiguration(configPaths, io.cwd());
            }
            // kmod_new(): libkmod's default logger until the tool installs its own
            KmodLog defaultLog = KmodLog.defaultLogger(io.err());
            kmod = kmod.withDiagnostics((severity, function, message) ->
                    defaultLog.log(severity.syslogPriority(), function, message));
            RemoveOptions.Builder b = RemoveOptions.modprobe()
                    .commands(ignoreCommands ? RemoveOptions.Commands.IGNORE
                            : commandsHeldBy != null ? RemoveOptions.Commands.REPORT : RemoveOptions.Commands.RUN)
                    .commandRunner(new ShellCommand(io, env.variables(), modprobeOptions))
                    .workingDirectory(io.cwd())
                    // kmod's modprobe exits after printing a FATAL message; -q hides it and -a makes it a WARNING
                    .stopAtFatal(logPriority <= KmodLog.LOG_CRIT && logPriority <= verbose)
                    .listener(new Printer());
            if (force) {
                b.force();
            }
            if (dryRun) {
                b.dryRun();
            }
            if (ignoreLoaded) {
                b.assumeLoaded();
            }
            if (firstTime) {
                b.requireLoaded();
            }
            if (removeHolders) {
                b.withHolders();
            }
            if (waitMsec != 0) {
                // strtoul() allows ~585 million years; a century is as good and keeps nanoseconds in a long
                b.waitUpTo(Duration.ofMillis(Math.min(waitMsec, MAX_WAIT_MS)));
            }
            // log_setup_kmod_log(ctx, verbose): set before the module directory is read, as kmod does
            log.priority = verbose;
            try {
                removal = io.remove(kmod, operands, b.build());
            } catch (KmodException e) {
                log.error(e.getMessage() + "\n"); // explain could not copy the target's state
                return 1;
            }
            return removal.succeeded() ? 0 : 1;
        }

        /** kmod's messages and {@code -v}'s actions, printed as the removal goes. */
        private final class Printer implements RemovalListener {
            private final WaitLine waitLine = new WaitLine(env.stderrIsTerminal() && !log.toSyslog(), io.err(), prog,
                    waitMsec);

            @Override
            public void report(Severity severity, String function, String message) {
                log.log(severity.syslogPriority(), function, message);
            }

            @Override
            public void starting(String argument, String module, String command) {
                show(command == null ? "rmmod " + module + "\n" : "remove " + command + "\n");
            }

            @Override
            public void waiting(String module, Duration waited, Duration timeout, boolean ended) {
                waitLine.update(module, waited, ended);
            }

            @Override
            public void finished(Step step) {
                String name = step.module();
                switch (step.reason()) {
                    case NOT_FOUND -> fatal("Module " + step.argument() + " not found.\n");
                    case NOT_LOADED -> {
                        if (step.failed()) {
                            fatal("Module " + name + " is not in kernel.\n");
                        }
                    }
                    case BUILTIN -> {
                        if (step.failed()) {
                            fatal("Module " + name + " is builtin.\n");
                        }
                    }
                    case IN_USE -> {
                        if (step.syscall() == null) {
                            fatal("Module " + name + " is in use.\n");
                        }
                    }
                    case COMMAND_FAILED -> fatal("Error running remove command for " + name + "\n");
                    case COMMAND_NOT_RUN -> {
                        if (!dryRun && commandsHeldBy != null) {
                            log.printf(KmodLog.LOG_WARNING, "kmod4j: remove command for " + name + " not run under "
                                    + commandsHeldBy + " (--run-commands runs it on this host): " + step.command()
                                    + "\n");
                        }
                    }
                    case BROKEN_INPUT -> log.error(step.errorText() + "\n");
                    case UNSAFE_FIXTURE -> {
                        // A fixture kmod4j refuses to use (its message names the file): shown whatever -q or -s say,
                        // since it is about kmod4j's input, not one of kmod's messages. Nothing of it was changed.
                        io.err().print(prog + ": ERROR: " + step.errorText() + "\n");
                        fixtureError = step.errorText();
                    }
                    default -> {
                    }
                }
            }
        }
    }

    /** {@code isatty(fd)} through the FFM API; false when it cannot be asked. */
    @SuppressWarnings("restricted")
    static boolean isatty(int fd) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle h = linker.downcallHandle(linker.defaultLookup().find("isatty").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            return (int) h.invokeExact(fd) == 1;
        } catch (Throwable t) {
            return false;
        }
    }
}
