package org.kmod4j.tools;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.FixtureException;
import org.kmod4j.tools.Getopt.HasArg;
import org.kmod4j.tools.Getopt.LongOption;

/**
 * {@code rmmod} as kmod 30 behaves ({@code tools/rmmod.c}; kmod.md §2), messages in kmod's non-debug form, with the
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

    /** kmod 30's help text. */
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
                + "\t-h, --help        show this help\n";
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
        private final List<Object> results = new ArrayList<>();
        /** The message of a fixture kmod4j refused to use, for the JSON report. */
        private String fixtureError;

        Run(String prog, ToolIo io) {
            this.prog = prog;
            this.io = io;
            this.log = new ToolLog(prog, io.err());
        }

        int rmmod(List<String> args) {
            int flags = 0;
            boolean useSyslog = false;
            int verbose = KmodLog.LOG_ERR;
            Target.CommandLineOptions kmod4j = new Target.CommandLineOptions();
            Getopt getopt = new Getopt(prog, args, SHORT_OPTIONS, LONG_OPTIONS, io.err());
            Getopt.Opt o;
            while ((o = getopt.next()) != null) {
                switch (o.val()) {
                    case 'f' -> flags |= Libkmod.REMOVE_FORCE;
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
                int status = removeAll(getopt.operands(), flags, verbose, kmod4j.target());
                if (kmod4j.json()) {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("tool", "rmmod");
                    doc.put("schema", 1);
                    doc.put("exit_status", status);
                    doc.put("results", results);
                    if (fixtureError != null) {
                        doc.put("error", fixtureError);
                    }
                    io.out().print(Json.write(doc) + "\n");
                }
                return status;
            } finally {
                log.close();
            }
        }

        private int removeAll(List<String> operands, int flags, int verbose, Target.Options options) {
            if (operands.isEmpty()) {
                log.error("missing module name.\n");
                return 1;
            }
            Target target;
            try {
                target = io.targets().open(options);
            } catch (Target.TargetException e) {
                log.error(e.getMessage() + "\n");
                return 1;
            } catch (FixtureException e) {
                brokenFixture(e);
                return 1;
            }
            log.priority = verbose;
            RecordingKernel kernel = new RecordingKernel(target.kernel());
            Libkmod lib = new Libkmod(kernel, target.builtins(), log);
            int failures = 0;
            for (int i = 0; i < operands.size(); i++) {
                String arg = operands.get(i);
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("argument", arg);
                results.add(result);
                try {
                    if (!removeOne(lib, kernel, arg, flags, result)) {
                        failures++;
                    }
                } catch (FixtureException e) {
                    // a fixture kmod4j refuses to use: nothing of it was changed; the run stops here
                    brokenFixture(e);
                    result.putIfAbsent("module", null);
                    result.put("outcome", "failed");
                    result.put("reason", "broken-fixture");
                    skip(operands.subList(i + 1, operands.size()));
                    return 1;
                }
                if ("bad-argument".equals(result.get("reason"))) {
                    skip(operands.subList(i + 1, operands.size()));
                    break;
                }
            }
            return failures == 0 ? 0 : 1;
        }

        /** Reports a fixture kmod4j refuses to use, whatever -q or -s say: it is about kmod4j's input, not kmod's. */
        private void brokenFixture(FixtureException e) {
            io.err().print(prog + ": ERROR: " + e.getMessage() + "\n");
            fixtureError = e.getMessage();
        }

        private void skip(List<String> rest) {
            for (String skipped : rest) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("argument", skipped);
                s.put("module", null);
                s.put("outcome", "skipped");
                results.add(s);
            }
        }

        /** One argument; false when it failed. */
        private boolean removeOne(Libkmod lib, RecordingKernel kernel, String arg, int flags,
                                  Map<String, Object> result) {
            Libkmod.Module mod;
            if (exists(arg)) {
                Libkmod.Result<Libkmod.Module> created = lib.newFromPath(arg);
                if (!created.isOk()) {
                    log.error("could not use module " + arg + ": " + Strerror.text(-created.error()) + "\n");
                    // a failure: kmod 30 forgot this and exited 0 (fixed in kmod 34); the caller stops the run
                    fail(result, null, "bad-argument", null);
                    return false;
                }
                mod = created.value();
            } else {
                mod = lib.newFromName(arg);
            }
            result.put("module", mod.name());
            if ((flags & Libkmod.REMOVE_FORCE) == 0 && !checkInUse(lib, mod, result)) {
                return false;
            }
            kernel.last = null;
            int err = lib.removeModule(mod, flags);
            if (kernel.last != null) {
                Map<String, Object> call = new LinkedHashMap<>();
                call.put("name", mod.name());
                call.put("flags", kernel.lastFlags);
                call.put("result", err == 0 ? "OK" : errnoName(-err));
                result.put("syscall", call);
            }
            if (err < 0) {
                log.error("could not remove module " + arg + ": " + lib.lastErrorText() + "\n");
                fail(result, mod, "syscall", errnoName(-err));
                return false;
            }
            result.put("outcome", "removed");
            return true;
        }

        /** {@code check_module_inuse()}: true when the module may be removed. */
        private boolean checkInUse(Libkmod lib, Libkmod.Module mod, Map<String, Object> result) {
            int state = lib.initstate(mod);
            if (state == Libkmod.BUILTIN) {
                log.error("Module " + mod.name() + " is builtin.\n");
                fail(result, mod, "builtin", null);
                return false;
            } else if (state < 0) {
                log.error("Module " + mod.name() + " is not currently loaded\n");
                fail(result, mod, "not-loaded", null);
                return false;
            }
            List<Libkmod.Module> holders = lib.holders(mod);
            if (holders != null && !holders.isEmpty()) {
                StringBuilder line = new StringBuilder("Module " + mod.name() + " is in use by:");
                List<String> names = new ArrayList<>();
                for (Libkmod.Module h : holders) {
                    line.append(' ').append(h.name());
                    names.add(h.name());
                }
                // One message, also with -s (kmod 30 sent the names to stderr and the rest to syslog).
                log.error(line.append('\n').toString());
                fail(result, mod, "in-use-by", null);
                result.put("holders", names);
                return false;
            }
            int refcnt = lib.refcnt(mod);
            if (refcnt > 0) {
                log.error("Module " + mod.name() + " is in use\n");
                fail(result, mod, "in-use", null);
                result.put("refcnt", refcnt);
                return false;
            } else if (refcnt == -Errno.ENOENT.number()) {
                log.error("Module unloading is not supported\n");
                fail(result, mod, "unloading-not-supported", null);
                return false;
            } else if (refcnt < 0) {
                if (state == Libkmod.GOING) {
                    // kmod 30 fails silently here (kmod.md §2.3); the chosen policy names the reason.
                    log.error("Module " + mod.name() + " is being unloaded\n");
                    fail(result, mod, "being-unloaded", null);
                } else {
                    fail(result, mod, "refcnt-unreadable", errnoName(-refcnt));
                }
                result.put("refcnt", refcnt);
                return false;
            }
            return true;
        }

        private static void fail(Map<String, Object> result, Libkmod.Module mod, String reason, String errno) {
            result.put("module", mod == null ? null : mod.name());
            result.put("outcome", "failed");
            result.put("reason", reason);
            if (errno != null) {
                result.put("errno", errno);
            }
        }

        private static String errnoName(int number) {
            Errno e = Errno.ofNumber(number);
            return e != null ? e.name() : Integer.toString(number);
        }

        /** {@code stat(arg) == 0}, relative paths from the tool's working directory. */
        private boolean exists(String arg) {
            if (arg.isEmpty()) {
                return false;
            }
            try {
                Path p = io.cwd().resolve(arg);
                // Java drops trailing slashes; stat("file/") fails with ENOTDIR, so a trailing slash needs a directory.
                return arg.endsWith("/") ? Files.isDirectory(p) : Files.exists(p);
            } catch (InvalidPathException e) {
                return false;
            }
        }
    }

    /** Notes the flags of the last delete_module call, for the JSON output. */
    private static final class RecordingKernel implements ModuleSubsystem {
        private final ModuleSubsystem kernel;
        UserString last;
        int lastFlags;

        RecordingKernel(ModuleSubsystem kernel) {
            this.kernel = kernel;
        }

        @Override
        public SyscallResult deleteModule(UserString name, int flags) {
            last = name;
            lastFlags = flags;
            return kernel.deleteModule(name, flags);
        }

        @Override
        public List<LoadedModule> loadedModules() throws ViewException {
            return kernel.loadedModules();
        }

        @Override
        public String readFile(String path) throws ViewException {
            return kernel.readFile(path);
        }

        @Override
        public List<String> listDirectory(String path) throws ViewException {
            return kernel.listDirectory(path);
        }
    }
}
