package org.kmod4j.kmod;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.UnknownErrnoException;
import org.kmod4j.libc.CText;
import org.kmod4j.libc.Strerror;

/**
 * The parts of libkmod (kmod 30, {@code libkmod/libkmod-module.c}) that rmmod and lsmod use, over a
 * {@link ModuleSubsystem}: the same files are read in the same order and the same messages are logged, so the tools
 * built on it print what kmod prints. Errors are returned as in C: a negative errno number.
 */
public final class Libkmod {
    /** {@code enum kmod_module_initstate}. */
    public static final int BUILTIN = 0;
    public static final int LIVE = 1;
    public static final int COMING = 2;
    public static final int GOING = 3;

    /** {@code KMOD_REMOVE_FORCE} = O_TRUNC. */
    public static final int REMOVE_FORCE = 0x200;
    /** {@code KMOD_REMOVE_NOWAIT} = O_NONBLOCK. */
    public static final int REMOVE_NOWAIT = 0x800;
    /** {@code KMOD_REMOVE_NOLOG}: libkmod-only, never passed to the kernel. */
    public static final int REMOVE_NOLOG = 1;

    private static final int ENOENT = Errno.ENOENT.number();
    private static final int EINVAL = Errno.EINVAL.number();
    private static final int EISDIR = Errno.EISDIR.number();

    private final ModuleSubsystem kernel;
    private final BuiltinIndex builtins;
    private final KmodLog log;

    public Libkmod(ModuleSubsystem kernel, BuiltinIndex builtins, KmodLog log) {
        this.kernel = kernel;
        this.builtins = builtins;
        this.log = log;
    }

    /**
     * A {@code struct kmod_module}: its normalized name and, when created from a file, its path (such modules are never
     * looked up in the builtin index).
     */
    public record Module(String name, String path) {
        public boolean fromPath() {
            return path != null;
        }
    }

    /** The outcome of a call that returns a value or a negative errno. */
    public record Result<T>(T value, int error) {
        public static <T> Result<T> ok(T value) {
            return new Result<>(value, 0);
        }

        public static <T> Result<T> failed(int errno) {
            return new Result<>(null, -errno);
        }

        public boolean isOk() {
            return error == 0;
        }
    }

    // ---- names ------------------------------------------------------------------------------------------------

    /** {@code modname_normalize()}: {@code -} becomes {@code _} and the name stops at the first {@code .}. */
    public static String normalize(String name) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length() && out.length() < 4095; i++) {
            char c = name.charAt(i);
            if (c == '.' || c == '\0') {
                break;
            }
            out.append(c == '-' ? '_' : c);
        }
        return out.toString();
    }

    /** {@code kmod_module_new_from_name()}: no check that the module exists. */
    public Module newFromName(String name) {
        return new Module(normalize(name), null);
    }

    /**
     * {@code kmod_module_new_from_path()} for a path that exists: the name is the normalized basename (GNU
     * {@code basename}: after the last {@code /}); an empty basename ({@code dir/}) gives ENOENT.
     */
    public Result<Module> newFromPath(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (base.isEmpty()) {
            return Result.failed(ENOENT);
        }
        return Result.ok(new Module(normalize(base), path));
    }

    // ---- /proc/modules ------------------------------------------------------------------------------------------

    /**
     * {@code kmod_module_new_from_loaded()}: the first token of each line of {@code /proc/modules}, in file order.
     * A line without a token logs {@code could not get module from name '(null)'} and is skipped.
     */
    public Result<List<Module>> newFromLoaded() {
        String text;
        try {
            text = kernel.readFile("/proc/modules");
        } catch (ViewException e) {
            log.log(KmodLog.LOG_ERR, "kmod_module_new_from_loaded",
                    "could not open /proc/modules: " + e.errno().message() + "\n");
            return Result.failed(e.errno().number());
        }
        List<Module> modules = new ArrayList<>();
        CText.Fgets lines = new CText.Fgets(text);
        byte[] line;
        while ((line = lines.next()) != null) {
            int len = CText.strlen(line);
            String name = new CText.Strtok(line, " \t").next();
            if (name == null) {
                log.log(KmodLog.LOG_ERR, "kmod_module_new_from_loaded",
                        "could not get module from name '(null)': " + Strerror.text(ENOENT) + "\n");
            } else {
                modules.add(newFromName(name));
            }
            eatLine(lines, line, len);
        }
        return Result.ok(modules);
    }

    /** {@code while (line[len - 1] != '\n' && fgets(line, ...)) len = strlen(line);} */
    private static void eatLine(CText.Fgets lines, byte[] line, int len) {
        byte[] current = line;
        int n = len;
        while ((n == 0 || current[n - 1] != '\n')) {
            current = lines.next();
            if (current == null) {
                return;
            }
            n = CText.strlen(current);
        }
    }

    // ---- sysfs --------------------------------------------------------------------------------------------------

    /** {@code kmod_module_get_initstate()}: BUILTIN, LIVE, COMING, GOING or a negative errno. */
    public int initstate(Module mod) {
        return initstate(mod, !mod.fromPath() && builtins.isBuiltin(mod.name()));
    }

    /**
     * {@code kmod_module_get_initstate()} for a module whose builtin status the caller already knows (libkmod caches
     * it per module: known for modules created from a path or from a builtin index, looked up otherwise).
     */
    public int initstate(Module mod, boolean builtin) {
        if (builtin) {
            return BUILTIN;
        }
        String path = "/sys/module/" + mod.name() + "/initstate";
        String content;
        try {
            content = readStrSafe(path, 32);
        } catch (ViewException e) {
            if (e.errno() == Errno.EISDIR) {
                // open() worked, read() failed
                log.log(KmodLog.LOG_ERR, "kmod_module_get_initstate",
                        "could not read from '" + path + "': " + e.errno().message() + "\n");
                return -EISDIR;
            }
            if (isDirectory("/sys/module/" + mod.name())) {
                return COMING;
            }
            return -e.errno().number();
        }
        switch (content) {
            case "live\n":
                return LIVE;
            case "coming\n":
                return COMING;
            case "going\n":
                return GOING;
            default:
                log.log(KmodLog.LOG_ERR, "kmod_module_get_initstate", "unknown " + path + ": '" + content + "'\n");
                return -EINVAL;
        }
    }

    /** {@code kmod_module_initstate_str()}. */
    public static String initstateString(int state) {
        return switch (state) {
            case BUILTIN -> "builtin";
            case LIVE -> "live";
            case COMING -> "coming";
            case GOING -> "going";
            default -> null;
        };
    }

    /** {@code kmod_module_get_refcnt()}: the count, or a negative errno (-ENOENT when there is no refcnt file). */
    public int refcnt(Module mod) {
        String path = "/sys/module/" + mod.name() + "/refcnt";
        LongRead value = readStrLong(path);
        if (value.openErrno() != 0) {
            // open() failed: only a debug message in libkmod
            return -value.openErrno();
        }
        if (value.readErrno() != 0) {
            log.log(KmodLog.LOG_ERR, "kmod_module_get_refcnt", "could not read integer from '" + path + "': '"
                    + Strerror.text(value.readErrno()) + "'\n");
            return -value.readErrno();
        }
        return (int) value.value();
    }

    /**
     * {@code kmod_module_get_holders()}: the entries of {@code /sys/module/NAME/holders} in directory order (each one
     * normalized, any name but {@code .} and {@code ..}), an empty list for none, or null when the directory cannot be
     * opened (logged).
     */
    public List<Module> holders(Module mod) {
        String dir = "/sys/module/" + mod.name() + "/holders";
        List<String> entries;
        try {
            entries = kernel.listDirectory(dir);
        } catch (ViewException e) {
            log.log(KmodLog.LOG_ERR, "kmod_module_get_holders",
                    "could not open '" + dir + "': " + e.errno().message() + "\n");
            return null;
        }
        List<Module> holders = new ArrayList<>();
        for (String entry : entries) {
            if (!entry.equals(".") && !entry.equals("..")) {
                holders.add(newFromName(entry));
            }
        }
        return holders;
    }

    /**
     * {@code kmod_module_get_size()}: {@code coresize} when the sysfs directory has it, else the size column of the
     * module's {@code /proc/modules} line; a negative errno when {@code /sys/module/NAME} does not exist.
     */
    public long size(Module mod) {
        String dir = "/sys/module/" + mod.name();
        try {
            kernel.readFile(dir);
            // A file: open() works, openat(dfd, "coresize") fails with ENOTDIR; fall back on /proc/modules.
            return sizeFromProcModules(mod, dir);
        } catch (ViewException e) {
            if (e.errno() != Errno.EISDIR) {
                return -e.errno().number();
            }
        }
        String coresize = dir + "/coresize";
        LongRead value = readStrLong(coresize);
        if (value.openErrno() != 0) {
            return sizeFromProcModules(mod, dir);
        }
        if (value.readErrno() == 0) {
            return value.value();
        }
        log.log(KmodLog.LOG_ERR, "kmod_module_get_size", "failed to read coresize from " + dir + "\n");
        return 0; // read_str_long() zeroes the value before failing
    }

    private long sizeFromProcModules(Module mod, String dir) {
        String text;
        try {
            text = kernel.readFile("/proc/modules");
        } catch (ViewException e) {
            log.log(KmodLog.LOG_ERR, "kmod_module_get_size",
                    "could not open /proc/modules: " + e.errno().message() + "\n");
            return -e.errno().number();
        }
        long size = -ENOENT;
        int lineno = 0;
        CText.Fgets lines = new CText.Fgets(text);
        byte[] line;
        while ((line = lines.next()) != null) {
            int len = CText.strlen(line);
            CText.Strtok tokens = new CText.Strtok(line, " \t");
            String tok = tokens.next();
            lineno++;
            if (tok == null || !tok.equals(mod.name())) {
                eatLine(lines, line, len);
                continue;
            }
            tok = tokens.next();
            if (tok == null) {
                log.log(KmodLog.LOG_ERR, "kmod_module_get_size", "invalid line format at /proc/modules:" + lineno + "\n");
                break;
            }
            byte[] t = CText.bytes(tok);
            CText.Strtol v = CText.strtol(t, t.length);
            if (v.end() == 0 || v.end() != t.length) {
                log.log(KmodLog.LOG_ERR, "kmod_module_get_size", "invalid line format at /proc/modules:" + lineno + "\n");
                break;
            }
            size = v.value();
            break;
        }
        return size;
    }

    /** What {@code open()} + {@code read_str_long()} gave: a value, or the errno of the open or of the read. */
    private record LongRead(long value, int openErrno, int readErrno) {
    }

    /**
     * {@code open()} then {@code read_str_long()}: at most 31 bytes, an integer that must be followed by white space
     * (so {@code "5"} without a newline is EINVAL, as in libkmod).
     */
    private LongRead readStrLong(String path) {
        String content;
        try {
            content = readStrSafe(path, 32);
        } catch (ViewException e) {
            if (e.errno() == Errno.EISDIR) {
                return new LongRead(0, 0, EISDIR);
            }
            return new LongRead(0, e.errno().number(), 0);
        }
        byte[] b = CText.bytes(content);
        CText.Strtol v = CText.strtol(b, b.length);
        if (v.end() == 0 || v.end() >= b.length || !CText.isSpace(b[v.end()])) {
            return new LongRead(0, 0, EINVAL);
        }
        return new LongRead(v.value(), 0, 0);
    }

    /** {@code read_str_safe(fd, buf, size)}: at most {@code size - 1} bytes of the file. */
    private String readStrSafe(String path, int size) throws ViewException {
        byte[] all = CText.bytes(kernel.readFile(path));
        int n = Math.min(all.length, size - 1);
        byte[] b = Arrays.copyOf(all, n);
        int nul = CText.strlen(b);
        return CText.string(b, 0, nul);
    }

    private boolean isDirectory(String path) {
        try {
            kernel.listDirectory(path);
            return true;
        } catch (ViewException e) {
            return false;
        }
    }

    // ---- removal ------------------------------------------------------------------------------------------------

    /**
     * {@code kmod_module_remove_module()}: keeps only the FORCE bit of {@code flags}, always adds NOWAIT, calls
     * {@code delete_module} and, unless {@link #REMOVE_NOLOG}, logs {@code could not remove 'NAME': <strerror>}.
     *
     * @return 0, or a negative errno ({@link #lastErrorText()} has its text, also for errnos Errno cannot name)
     */
    public int removeModule(Module mod, int flags) {
        int libkmodFlags = flags & 0xff;
        int sysFlags = (flags & REMOVE_FORCE) | REMOVE_NOWAIT;
        int errno;
        String text;
        try {
            SyscallResult r = kernel.deleteModule(UserString.of(mod.name()), sysFlags);
            if (r.isOk()) {
                return 0;
            }
            errno = r.error().number();
            text = r.error().message();
        } catch (UnknownErrnoException e) {
            errno = e.errno();
            text = e.text();
        } catch (org.kmod4j.host.FixtureException e) {
            throw e; // a broken fixture is not an errno: the tool reports it and stops
        } catch (RuntimeException e) {
            // A backend that cannot make the call at all (unknown architecture, unwritable fixture, ...).
            errno = EINVAL;
            text = e.getMessage() == null ? e.toString() : e.getMessage();
        }
        if ((libkmodFlags & REMOVE_NOLOG) == 0) {
            log.log(KmodLog.LOG_ERR, "kmod_module_remove_module", "could not remove '" + mod.name() + "': " + text + "\n");
        }
        lastErrorText = text;
        return -errno;
    }

    /**
     * {@code modprobe -w}'s removal: {@code delete_module} with NOWAIT (and FORCE when asked), retried while the kernel
     * answers EWOULDBLOCK (= EAGAIN) until {@code timeout} has passed, through
     * {@link ModuleSubsystem#deleteModuleWaiting}, so each backend waits its own way (a real host polls
     * {@code refcnt}, the simulator waits on its clock). Logs nothing ({@code KMOD_REMOVE_NOLOG}): modprobe reports
     * the failure itself.
     *
     * @return 0, or a negative errno (EWOULDBLOCK when the time ran out; {@link #lastErrorText()} has its text)
     */
    public int removeModuleWaiting(Module mod, int flags, java.time.Duration timeout) {
        int sysFlags = (flags & REMOVE_FORCE) | REMOVE_NOWAIT;
        try {
            SyscallResult r = kernel.deleteModuleWaiting(mod.name(), sysFlags, timeout).result();
            if (r.isOk()) {
                return 0;
            }
            lastErrorText = r.error().message();
            return -r.error().number();
        } catch (UnknownErrnoException e) {
            lastErrorText = e.text();
            return -e.errno();
        } catch (org.kmod4j.host.FixtureException e) {
            throw e; // a broken fixture is not an errno: the tool reports it and stops
        } catch (RuntimeException e) {
            lastErrorText = e.getMessage() == null ? e.toString() : e.getMessage();
            return -EINVAL;
        }
    }

    private String lastErrorText;

    /** The text of the last {@link #removeModule} failure (glibc's strerror of its errno). */
    public String lastErrorText() {
        return lastErrorText;
    }
}
