package org.kmod4j.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.FixtureException;
import org.kmod4j.host.HostKernel;
import org.kmod4j.tools.Getopt.HasArg;
import org.kmod4j.tools.Getopt.LongOption;

/**
 * {@code modprobe -r} as kmod 30 behaves ({@code tools/modprobe.c}, kmod.md §5), messages in kmod's non-debug form,
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

    /** {@code RMMOD_FLAG_REMOVE_HOLDERS}, {@code RMMOD_FLAG_IGNORE_BUILTIN}. */
    private static final int FLAG_REMOVE_HOLDERS = 0x1;
    private static final int FLAG_IGNORE_BUILTIN = 0x2;

    private static final int ENOENT = Errno.ENOENT.number();
    private static final int EBUSY = Errno.EBUSY.number();
    private static final int EEXIST = Errno.EEXIST.number();
    private static final int EINVAL = Errno.EINVAL.number();

    /** libkmod's default configuration paths (v30: {@code SYSCONFDIR} is {@code /etc}). */
    static final List<String> DEFAULT_CONFIG_PATHS = List.of("/etc/modprobe.d", "/run/modprobe.d",
            "/usr/local/lib/modprobe.d", "/lib/modprobe.d");

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

    /** kmod 30's help text. */
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
                + "\t-h, --help                  show this help\n";
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

        // state
        private Libkmod lib;
        private ModuleSubsystem kernel;
        private ModuleDirectory dir;
        private ModprobeConfig config;
        private final Map<String, Mod> pool = new HashMap<>();
        /** Modules this run removed (kmod4j: never removed twice). */
        private final Set<String> removed = new HashSet<>();
        /** Modules being processed (kmod4j: the softdep cycle guard). */
        private final Set<String> inProgress = new HashSet<>();

        // --json
        private final List<Map<String, Object>> arguments = new ArrayList<>();
        private final List<Map<String, Object>> events = new ArrayList<>();

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
            log.printf(logPriority, message);
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
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("tool", "modprobe");
                doc.put("schema", 1);
                doc.put("exit_status", status);
                doc.put("dry_run", dryRun);
                doc.put("module_directory", dir == null ? null : dir.dirname());
                doc.put("config_files", config == null ? List.of() : config.files);
                doc.put("arguments", arguments);
                doc.put("events", events);
                if (fixtureError != null) {
                    doc.put("error", fixtureError);
                }
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
            Target target;
            try {
                target = io.targets().open(options);
            } catch (Target.TargetException e) {
                log.error(e.getMessage() + "\n");
                return 1;
            }
            // Remove commands run on this host only when the target is this host, or when asked to.
            boolean thisHost = target.kernel() instanceof HostKernel hk && hk.isRealRoot();
            if (!thisHost && !runCommandsOption) {
                commandsHeldBy = options.sim() != null ? "--sim" : "--root";
            }
            String release = kversion != null ? kversion : target.files().release();
            if (root != null) {
                // -d DIR: a directory of the user's own file system, like kmod's (made absolute from the cwd).
                String dirname = root + "/lib/modules/" + release;
                if (!dirname.startsWith("/")) {
                    dirname = io.cwd().toString() + "/" + dirname;
                }
                dir = ModuleDirectory.files(dirname, Path::of);
            } else {
                dir = target.files().moduleDirectory(release);
            }
            List<ModprobeConfig.Source> sources = new ArrayList<>();
            if (!configPaths.isEmpty()) {
                for (String c : configPaths) {
                    sources.add(new ModprobeConfig.Source(c, userPath(c)));
                }
            } else {
                for (String c : DEFAULT_CONFIG_PATHS) {
                    sources.add(new ModprobeConfig.Source(c, target.files().resolve(c)));
                    if (!thisHost) {
                        checkFixtureConfig(target.files(), c);
                    }
                }
            }
            // A corrupt index or an oversized configuration file stops the run here, before anything is removed.
            try {
                dir.check();
                // kmod_new(): libkmod's default logger until the tool installs its own
                config = ModprobeConfig.load(dir.dirname(), dir.softdepFile(), sources,
                        KmodLog.defaultLogger(io.err()));
            } catch (Target.BadInputException e) {
                log.error(e.getMessage() + "\n");
                return 1;
            }
            // log_setup_kmod_log(ctx, verbose)
            log.priority = verbose;
            lib = new Libkmod(target.kernel(), target.builtins(), log);
            kernel = target.kernel();
            int err = 0;
            for (int i = 0; i < operands.size(); i++) {
                int r;
                try {
                    r = rmmod(operands.get(i));
                } catch (ToolLog.FatalExit | FixtureException e) {
                    for (String rest : operands.subList(i + 1, operands.size())) {
                        Map<String, Object> a = new LinkedHashMap<>();
                        a.put("argument", rest);
                        a.put("modules", List.of());
                        a.put("outcome", "not-processed");
                        arguments.add(a);
                    }
                    throw e;
                }
                if (r < 0) {
                    err = r;
                }
            }
            return err >= 0 ? 0 : 1;
        }

        /**
         * A fixture's configuration directory is read file by file by {@link ModprobeConfig}: each entry is resolved
         * through the fixture first, so that a {@code .conf} that is a symbolic link out of the root (to
         * {@code /dev/zero}, to a file of the machine) is refused with its name instead of being read. Entries that
         * are neither files nor directories (a FIFO would block the read) are refused too.
         */
        private void checkFixtureConfig(Target.Filesystem files, String dir) {
            Path p = files.resolve(dir);
            if (p == null || !java.nio.file.Files.isDirectory(p)) {
                return;
            }
            try (java.nio.file.DirectoryStream<Path> entries = java.nio.file.Files.newDirectoryStream(p)) {
                for (Path entry : entries) {
                    Path real = files.resolve(dir + "/" + entry.getFileName());
                    if (java.nio.file.Files.exists(real) && !java.nio.file.Files.isRegularFile(real)
                            && !java.nio.file.Files.isDirectory(real)) {
                        throw new FixtureException(real + ": not a regular file (a FIFO, device or socket) in a "
                                + "configuration directory of the fixture; nothing was changed");
                    }
                }
            } catch (java.io.IOException e) {
                // unreadable: ModprobeConfig skips it as libkmod does
            }
        }

        private Path userPath(String path) {
            try {
                return io.cwd().resolve(path);
            } catch (java.nio.file.InvalidPathException e) {
                return null;
            }
        }

        // ---- modules (struct kmod_module, with libkmod's pool by name) ------------------------------------------

        private final class Mod {
            final String name;
            final String alias;
            String path;
            /** null: not known yet (looked up in modules.builtin.bin when needed). */
            Boolean builtin;
            boolean depInit;
            List<Mod> deps = List.of();
            boolean removeInit;
            String removeCommand;

            Mod(String name, String alias) {
                this.name = name;
                this.alias = alias;
            }

            Libkmod.Module lib() {
                return new Libkmod.Module(name, path);
            }

            boolean isBuiltin() {
                if (builtin == null) {
                    builtin = dir.isBuiltin(name);
                }
                return builtin;
            }
        }

        private Mod newFromName(String name) {
            String norm = Libkmod.normalize(name);
            return pool.computeIfAbsent(norm, k -> new Mod(norm, null));
        }

        private Mod newFromAlias(String alias, String name) {
            return pool.computeIfAbsent(name + "\\" + alias, k -> new Mod(name, alias));
        }

        /** {@code kmod_module_new_from_path()}: null (and the error in {@code err[0]}) when it fails. */
        private Mod newFromPath(String path, int[] err) {
            if (!dir.exists(path)) {
                err[0] = -ENOENT;
                return null;
            }
            String base = path.substring(path.lastIndexOf('/') + 1);
            if (base.isEmpty()) {
                err[0] = -ENOENT;
                return null;
            }
            String name = Libkmod.normalize(base);
            Mod m = pool.get(name);
            if (m != null) {
                if (m.path == null) {
                    m.path = path;
                } else if (!m.path.equals(path)) {
                    log.log(KmodLog.LOG_ERR, "kmod_module_new_from_path", "kmod_module '" + name
                            + "' already exists with different path: new-path='" + path + "' old-path='" + m.path
                            + "'\n");
                    err[0] = -EEXIST;
                    return null;
                }
            } else {
                m = new Mod(name, null);
                m.path = path;
                pool.put(name, m);
            }
            m.builtin = false;
            return m;
        }

        private String pathJoin(String path) {
            return path.startsWith("/") ? path : dir.dirname() + "/" + path;
        }

        /** {@code kmod_module_parse_depline()}. */
        private void parseDepline(Mod mod, String line) {
            if (mod.depInit) {
                return;
            }
            mod.depInit = true;
            int colon = line.indexOf(':');
            if (colon < 0) {
                return;
            }
            if (mod.path == null) {
                mod.path = pathJoin(line.substring(0, colon));
            }
            List<Mod> list = new ArrayList<>();
            CText.Strtok tok = new CText.Strtok(CText.bytes(line.substring(colon + 1)), " \t");
            String p;
            while ((p = tok.next()) != null) {
                String path = pathJoin(p);
                int[] err = new int[1];
                Mod dep = newFromPath(path, err);
                if (dep == null) {
                    log.log(KmodLog.LOG_ERR, "kmod_module_parse_depline", "ctx=0x"
                            + Integer.toHexString(System.identityHashCode(this)) + " path=" + path + " error="
                            + Strerror.text(-err[0]) + "\n");
                    mod.depInit = false;
                    return;
                }
                list.add(0, dep);
            }
            mod.deps = List.copyOf(list);
        }

        /** {@code kmod_module_get_dependencies()}: load order (the modules.dep line reversed). */
        private List<Mod> dependencies(Mod mod) {
            if (!mod.depInit) {
                String line = dir.depLine(mod.name);
                if (line == null) {
                    return List.of();
                }
                parseDepline(mod, line);
                if (!mod.depInit) {
                    return List.of();
                }
            }
            return mod.deps;
        }

        /** {@code alias_normalize()}: null for an unbalanced bracket (-EINVAL). */
        private static String aliasNormalize(String alias) {
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < alias.length() && i < 4095; i++) {
                char c = alias.charAt(i);
                switch (c) {
                    case '-' -> out.append('_');
                    case ']' -> {
                        return null;
                    }
                    case '[' -> {
                        while (i < alias.length() && alias.charAt(i) != ']') {
                            out.append(alias.charAt(i));
                            i++;
                        }
                        if (i >= alias.length()) {
                            return null;
                        }
                        out.append(']');
                    }
                    case '\0' -> {
                        return out.toString();
                    }
                    default -> out.append(c);
                }
            }
            return out.toString();
        }

        /** {@code kmod_module_new_from_lookup()}: null for an invalid alias (-EINVAL), else the modules found. */
        private List<Mod> lookup(String given) {
            String alias = aliasNormalize(given);
            if (alias == null) {
                return null;
            }
            List<Mod> list = new ArrayList<>();
            // 1. aliases from the configuration
            for (ModprobeConfig.Alias a : config.aliases) {
                if (Fnmatch.matches(a.pattern(), alias)) {
                    list.add(newFromAlias(a.pattern(), a.modname()));
                }
            }
            if (!list.isEmpty()) {
                return list;
            }
            // 2. modules.dep.bin
            if (alias.indexOf(':') < 0) {
                String line = dir.depLine(alias);
                if (line != null) {
                    Mod mod = newFromName(alias);
                    list.add(mod);
                    parseDepline(mod, line);
                    return list;
                }
            }
            // 3. modules.symbols.bin
            if (alias.startsWith("symbol:")) {
                if (wild(ModuleDirectory.WildIndex.SYMBOLS, alias, list, false)) {
                    return list;
                }
            }
            // 4. install and remove commands
            for (ModprobeConfig.Command c : config.installCommands) {
                if (c.modname().equals(alias)) {
                    list.add(newFromName(c.modname()));
                    return list;
                }
            }
            for (ModprobeConfig.Command c : config.removeCommands) {
                if (c.modname().equals(alias)) {
                    Mod mod = newFromName(c.modname());
                    mod.removeInit = true;
                    mod.removeCommand = c.command();
                    list.add(mod);
                    return list;
                }
            }
            // 5. modules.alias.bin
            if (wild(ModuleDirectory.WildIndex.ALIAS, alias, list, false)) {
                return list;
            }
            // 6. modules.builtin.bin
            if (dir.isBuiltin(alias)) {
                Mod mod = newFromName(alias);
                mod.builtin = true;
                list.add(mod);
                return list;
            }
            // 7. modules.builtin.alias.bin
            wild(ModuleDirectory.WildIndex.BUILTIN_ALIAS, alias, list, true);
            return list;
        }

        private boolean wild(ModuleDirectory.WildIndex index, String alias, List<Mod> list, boolean builtin) {
            List<String> names = dir.searchWild(index, alias);
            if (names == null) {
                return false;
            }
            for (String n : names) {
                Mod mod = newFromAlias(alias, n);
                if (builtin) {
                    mod.builtin = true;
                }
                list.add(mod);
            }
            return !list.isEmpty();
        }

        /** {@code lookup_softdep()}. */
        private List<Mod> lookupSoftdeps(List<String> names) {
            List<Mod> out = new ArrayList<>();
            for (String depname : names) {
                List<Mod> found = lookup(depname);
                if (found == null) {
                    log.log(KmodLog.LOG_ERR, "lookup_softdep",
                            "failed to lookup soft dependency '" + depname + "', continuing anyway.\n");
                    continue;
                }
                out.addAll(found);
            }
            return out;
        }

        private String removeCommand(Mod mod) {
            if (!mod.removeInit) {
                mod.removeCommand = config.removeCommandFor(mod.name);
                mod.removeInit = true;
            }
            return mod.removeCommand;
        }

        // ---- removal -------------------------------------------------------------------------------------------

        private Map<String, Object> event(Mod mod, String role, String outcome) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("module", mod.name);
            e.put("role", role);
            e.put("outcome", outcome);
            events.add(e);
            return e;
        }

        /** {@code rmmod()}: one argument. */
        private int rmmod(String arg) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("argument", arg);
            arguments.add(a);
            List<Mod> list = lookup(arg);
            List<String> names = new ArrayList<>();
            if (list != null) {
                list.forEach(m -> names.add(m.name));
            }
            a.put("modules", names);
            if (list == null) {
                a.put("outcome", "invalid-name");
                return -EINVAL;
            }
            int err = 0;
            if (list.isEmpty()) {
                a.put("outcome", "not-found");
                fatal("Module " + arg + " not found.\n");
                err = -ENOENT;
            }
            for (Mod mod : list) {
                a.put("outcome", "failed");
                err = doModule(mod, removeHolders ? FLAG_REMOVE_HOLDERS : 0, "argument");
                if (err < 0) {
                    break;
                }
                a.put("outcome", "ok");
            }
            return err;
        }

        /** {@code rmmod_do_modlist()}: last to first. */
        private int doModlist(List<Mod> list, boolean stopOnErrors, String role) {
            for (int i = list.size() - 1; i >= 0; i--) {
                int r = doModule(list.get(i), FLAG_IGNORE_BUILTIN, role);
                if (r < 0 && stopOnErrors) {
                    return r;
                }
            }
            return 0;
        }

        /** {@code rmmod_do_module()}, with kmod4j's cycle guard. */
        private int doModule(Mod mod, int flags, String role) {
            if (!inProgress.add(mod.name)) {
                event(mod, role, "cycle");
                return 0;
            }
            try {
                return doModuleOnce(mod, flags, role);
            } finally {
                inProgress.remove(mod.name);
            }
        }

        private int doModuleOnce(Mod mod, int flags, String role) {
            List<Mod> pre = List.of();
            List<Mod> post = List.of();
            String cmd = null;
            if (!ignoreCommands) {
                ModprobeConfig.Softdep sd = config.softdepFor(mod.name);
                if (sd != null) {
                    pre = lookupSoftdeps(sd.pre());
                    post = lookupSoftdeps(sd.post());
                }
                cmd = removeCommand(mod);
            }

            // 0. a quick check that the module is loaded
            if (cmd == null && !ignoreLoaded) {
                int state = lib.initstate(mod.lib(), mod.isBuiltin());
                if (state < 0) {
                    if (firstTime) {
                        event(mod, role, "not-in-kernel");
                        fatal("Module " + mod.name + " is not in kernel.\n");
                        return -ENOENT;
                    }
                    event(mod, role, "not-loaded");
                    return 0;
                } else if (state == Libkmod.BUILTIN) {
                    if ((flags & FLAG_IGNORE_BUILTIN) != 0) {
                        event(mod, role, "builtin-ignored");
                        return 0;
                    }
                    event(mod, role, "builtin");
                    fatal("Module " + mod.name + " is builtin.\n");
                    return -ENOENT;
                }
            }

            // 1. post-softdeps, last to first
            doModlist(post, false, "softdep-post");

            // 2. the holders
            if ((flags & FLAG_REMOVE_HOLDERS) != 0) {
                List<Libkmod.Module> holders = lib.holders(mod.lib());
                List<Mod> hs = new ArrayList<>();
                if (holders != null) {
                    holders.forEach(h -> hs.add(newFromName(h.name())));
                }
                int err = doModlist(hs, true, "holder");
                if (err < 0) {
                    return err;
                }
            }

            // 3. the module itself, after a refcount check
            if (cmd == null && !ignoreLoaded && waitMsec == 0) {
                int usage = lib.refcnt(mod.lib());
                if (usage > 0) {
                    event(mod, role, "in-use").put("refcnt", usage);
                    fatal("Module " + mod.name + " is in use.\n");
                    return -EBUSY;
                }
            }
            int err;
            if (cmd == null) {
                if (removed.contains(mod.name)) {
                    // kmod4j: no second delete_module for a module this run removed (kmod 30 tried again)
                    event(mod, role, "already-removed");
                    err = 0;
                } else if (removeHolders && lib.refcnt(mod.lib()) == -ENOENT) {
                    // with --remove-holders, as kmod master (327c587): no refcnt file, taken as already gone
                    event(mod, role, "no-refcnt");
                    err = 0;
                } else {
                    err = removeModule(mod, role);
                }
            } else {
                err = commandDo(mod, cmd, role);
            }
            if (err < 0) {
                return err;
            }

            // 4. the dependencies that became unused (kmod4j: recursively)
            if (cmd == null) {
                cleanup(mod);
            }

            // 5. pre-softdeps, last to first
            doModlist(pre, false, "softdep-pre");
            return err;
        }

        /**
         * Step 4: every dependency (load order) whose refcount is 0 is removed; kmod4j then does the same with that
         * dependency's own dependencies (kmod 30 stops after one level). A dry run removes nothing and so goes no
         * further than kmod 30 does.
         *
         * <p>Done as one depth-first walk, not a rescan of every removed dependency's whole line: removing {@code d}
         * frees only modules {@code d} itself used, which {@code /proc/modules} (read once) names, so only those are
         * looked at again, in load order. Each module's line is a transitive closure, so rescanning made a
         * 2,001-module chain cost some two million refcount reads.
         */
        private void cleanup(Mod mod) {
            List<Mod> deps = dependencies(mod);
            if (deps.isEmpty()) {
                return;
            }
            Map<String, Integer> position = new HashMap<>();
            for (int i = 0; i < deps.size(); i++) {
                position.putIfAbsent(deps.get(i).name, i);
            }
            Map<String, Set<String>> uses = usesOfLoadedModules();
            Deque<Iterator<Mod>> walk = new ArrayDeque<>();
            walk.push(deps.iterator());
            while (!walk.isEmpty()) {
                Iterator<Mod> next = walk.peek();
                if (!next.hasNext()) {
                    walk.pop();
                    continue;
                }
                Mod dep = next.next();
                if (lib.refcnt(dep.lib()) != 0 || removed.contains(dep.name)) {
                    continue; // refcnt read first, as kmod does (its debug log shows the read)
                }
                if (removeModule(dep, "dependency") == 0 && !dryRun) {
                    walk.push(freedBy(dep, uses, position).iterator());
                }
            }
        }

        /**
         * The modules the removal of {@code dep} may have freed, in load order: its dependencies that it used. Without
         * a readable {@code /proc/modules}, all of its dependencies.
         */
        private List<Mod> freedBy(Mod dep, Map<String, Set<String>> uses, Map<String, Integer> position) {
            if (uses == null) {
                return dependencies(dep);
            }
            Set<String> used = uses.getOrDefault(dep.name, Set.of());
            if (position.keySet().containsAll(used)) {
                // depmod orders every line by one global order, so the first line's order is theirs too
                List<Mod> freed = new ArrayList<>();
                for (String name : used) {
                    freed.add(newFromName(name));
                }
                freed.sort(java.util.Comparator.comparingInt(m -> position.get(m.name)));
                return freed;
            }
            List<Mod> freed = new ArrayList<>(dependencies(dep)); // a line that is not a closure: its own order
            freed.removeIf(m -> !used.contains(m.name));
            return freed;
        }

        /** Each loaded module's dependencies that it uses (the users column of /proc/modules, inverted), or null. */
        private Map<String, Set<String>> usesOfLoadedModules() {
            List<LoadedModule> loaded;
            try {
                loaded = kernel.loadedModules();
            } catch (ViewException | RuntimeException e) {
                return null;
            }
            Map<String, Set<String>> uses = new HashMap<>();
            for (LoadedModule m : loaded) {
                for (org.kmod4j.api.ModuleName user : m.holders()) {
                    uses.computeIfAbsent(user.value(), k -> new HashSet<>()).add(m.name().value());
                }
            }
            return uses;
        }

        /** {@code rmmod_do_remove_module()}. */
        private int removeModule(Mod mod, String role) {
            show("rmmod " + mod.name + "\n");
            if (dryRun) {
                event(mod, role, "would-remove");
                return 0;
            }
            int flags = force ? Libkmod.REMOVE_FORCE : 0;
            int err;
            Map<String, Object> e;
            if (waitMsec != 0) {
                WaitProgress progress = WaitProgress.start(env.stderrIsTerminal() && !log.toSyslog(), io.err(),
                        prog, mod.name, waitMsec);
                try {
                    // strtoul() allows ~585 million years; a century is as good and keeps nanoseconds in a long
                    err = lib.removeModuleWaiting(mod.lib(), flags, Duration.ofMillis(Math.min(waitMsec, MAX_WAIT_MS)));
                } finally {
                    progress.stop();
                }
                e = event(mod, role, err == 0 ? "removed" : "remove-failed");
                e.put("wait_ms", waitMsec);
                if (err < 0) {
                    // kmod4j (as kmod master): a timeout is an error too; kmod 30 reported success
                    log.error("could not remove '" + mod.name + "': " + lib.lastErrorText() + "\n");
                }
            } else {
                err = lib.removeModule(mod.lib(), flags);
                if (err == -EEXIST) {
                    // unreachable: the kernel never answers EEXIST to delete_module
                    if (!firstTime) {
                        err = 0;
                    } else {
                        fatal("Module " + mod.name + " is not in kernel.\n");
                    }
                }
                e = event(mod, role, err == 0 ? "removed" : "remove-failed");
            }
            Map<String, Object> call = new LinkedHashMap<>();
            call.put("name", mod.name);
            call.put("flags", flags | Libkmod.REMOVE_NOWAIT);
            call.put("result", err == 0 ? "OK" : errnoName(-err));
            e.put("syscall", call);
            if (err == 0) {
                removed.add(mod.name);
            }
            return err;
        }

        private static String errnoName(int number) {
            Errno e = Errno.ofNumber(number);
            return e != null ? e.name() : Integer.toString(number);
        }

        /** {@code command_do()}: {@code /bin/sh -c COMMAND} with MODPROBE_MODULE set, as {@code system()}. */
        private int commandDo(Mod mod, String command, String role) {
            String cmd = command;
            while (cmd.contains("$CMDLINE_OPTS")) {
                cmd = cmd.replace("$CMDLINE_OPTS", "");
            }
            show("remove " + cmd + "\n");
            if (dryRun) {
                event(mod, role, "would-run-command").put("command", cmd);
                return 0;
            }
            if (commandsHeldBy != null) {
                // Not run: reported as what would run, as -n does, and the run goes on as if it had succeeded.
                Map<String, Object> e = event(mod, role, "would-run-command");
                e.put("command", cmd);
                e.put("not_run", commandsHeldBy);
                log.printf(KmodLog.LOG_WARNING, "kmod4j: remove command for " + mod.name + " not run under "
                        + commandsHeldBy + " (--run-commands runs it on this host): " + cmd + "\n");
                return 0;
            }
            Map<String, Object> e = event(mod, role, "command");
            e.put("command", cmd);
            int status = system(cmd, mod.name);
            e.put("command_status", status);
            if (status != 0) {
                e.put("outcome", "command-failed");
                fatal("Error running remove command for " + mod.name + "\n");
                return status < 0 ? status : -status;
            }
            return 0;
        }

        /** {@code system()}: the exit status of {@code /bin/sh -c cmd}, -1 when it cannot run. */
        private int system(String cmd, String modname) {
            io.out().flush();
            io.err().flush();
            ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", cmd);
            Map<String, String> childEnv = pb.environment();
            childEnv.clear();
            childEnv.putAll(env.variables());
            if (modprobeOptions != null) {
                childEnv.put("MODPROBE_OPTIONS", modprobeOptions);
            }
            childEnv.put("MODPROBE_MODULE", modname);
            pb.directory(io.cwd().toFile());
            pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
            Process p;
            try {
                p = pb.start();
            } catch (IOException | RuntimeException ex) {
                return -1;
            }
            Thread outCopy = copier(p.getInputStream(), io.out());
            Thread errCopy = copier(p.getErrorStream(), io.err());
            int status;
            try {
                status = p.waitFor();
                outCopy.join();
                errCopy.join();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                return -1;
            }
            return status & 0xff;
        }

        private static Thread copier(InputStream in, PrintWriter out) {
            Thread t = Thread.ofVirtual().start(() -> {
                try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                    char[] buf = new char[4096];
                    int n;
                    while ((n = r.read(buf)) > 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException ex) {
                    // the command went away
                }
            });
            return t;
        }
    }

    /**
     * kmod4j's addition for {@code -w} on a terminal: while a removal waits, a line on standard error shows the time
     * waited, rewritten in place and erased when the wait ends, so nothing of it stays in the terminal or reaches a
     * file or pipe (it is only drawn when standard error is a terminal, and not with {@code -s}).
     */
    static final class WaitProgress {
        private static final WaitProgress NONE = new WaitProgress(null, null);
        private final Thread thread;
        private final PrintWriter err;
        private volatile boolean drawn;

        private WaitProgress(Thread thread, PrintWriter err) {
            this.thread = thread;
            this.err = err;
        }

        static WaitProgress start(boolean terminal, PrintWriter err, String prog, String module, long timeoutMs) {
            if (!terminal) {
                return NONE;
            }
            long t0 = System.nanoTime();
            WaitProgress[] self = new WaitProgress[1];
            Thread t = Thread.ofPlatform().daemon().unstarted(() -> {
                try {
                    while (true) {
                        Thread.sleep(200);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        synchronized (err) {
                            err.print(String.format("\r%s: waiting for %s to be unused: %.1f s of %.1f s\u001b[K", prog,
                                    module, ms / 1000.0, Math.min(timeoutMs, 99_999_999_999L) / 1000.0));
                            err.flush();
                        }
                        self[0].drawn = true;
                    }
                } catch (InterruptedException e) {
                    // the wait ended
                }
            });
            self[0] = new WaitProgress(t, err);
            t.start();
            return self[0];
        }

        void stop() {
            if (thread == null) {
                return;
            }
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (drawn) {
                synchronized (err) {
                    err.print("\r\u001b[K");
                    err.flush();
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
