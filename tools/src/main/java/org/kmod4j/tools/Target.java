package org.kmod4j.tools;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.host.DeleteModuleSyscall;
import org.kmod4j.host.FixtureDeleteModule;
import org.kmod4j.host.HostKernel;
import org.kmod4j.host.NoModuleSupportDeleteModule;
import org.kmod4j.scenario.Scenario;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;
import org.kmod4j.scenario.ScenarioSyntaxException;
import org.kmod4j.sim.BuiltinModule;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.time.SimulationDeadlockException;

/**
 * The kernel a tool works on, with its builtin index: the running host, a fixture tree ({@code --root DIR}) or a
 * simulated kernel seeded by a scenario ({@code --sim FILE}).
 *
 * @param kernel      the module subsystem the tool reads and removes from
 * @param builtins    the {@code modules.builtin.bin} lookup of that kernel
 * @param description a short text for messages
 * @param files       the file system around that kernel that modprobe reads (configuration, module directory)
 */
public record Target(ModuleSubsystem kernel, BuiltinIndex builtins, String description, Filesystem files) {

    /** A target without files around its kernel: no configuration, and an empty module directory. */
    public Target(ModuleSubsystem kernel, BuiltinIndex builtins, String description) {
        this(kernel, builtins, description, Filesystem.NONE);
    }

    /**
     * The files a target has besides its kernel views: {@code /etc/modprobe.d} and the other configuration
     * directories, and {@code /lib/modules/RELEASE}.
     */
    public interface Filesystem {
        /** No files at all. */
        Filesystem NONE = new Filesystem() {
            @Override
            public String release() {
                return "";
            }

            @Override
            public Path resolve(String absolutePath) {
                return null;
            }
        };

        /** The kernel release that names the module directory ({@code uname -r}). */
        String release();

        /** The file behind an absolute path of the target, or null when the target has no such file system. */
        Path resolve(String absolutePath);

        /** The module directory {@code /lib/modules/RELEASE} of the target. */
        default ModuleDirectory moduleDirectory(String release) {
            return ModuleDirectory.files("/lib/modules/" + release, this::resolve);
        }
    }

    /** The kmod4j-only options that choose a target. */
    public record Options(String root, String sim, String syscall) {
        public static final Options HOST = new Options(null, null, null);
    }

    private static final int OPT_ROOT = 0x1000;
    private static final int OPT_SIM = 0x1001;
    private static final int OPT_SYSCALL = 0x1002;
    private static final int OPT_JSON = 0x1003;

    /**
     * kmod4j's own long options, which rmmod and modprobe take besides kmod's: {@code --root DIR}, {@code --sim FILE},
     * {@code --syscall MODE}, {@code --json}. Never abbreviated, so they cannot shadow an abbreviation of kmod's.
     */
    static final List<Getopt.LongOption> LONG_OPTIONS = List.of(
            new Getopt.LongOption("root", Getopt.HasArg.REQUIRED, OPT_ROOT, true),
            new Getopt.LongOption("sim", Getopt.HasArg.REQUIRED, OPT_SIM, true),
            new Getopt.LongOption("syscall", Getopt.HasArg.REQUIRED, OPT_SYSCALL, true),
            new Getopt.LongOption("json", Getopt.HasArg.NO, OPT_JSON, true));

    /** A tool's long options: kmod's, then kmod4j's own. */
    static List<Getopt.LongOption> withKmod4jOptions(List<Getopt.LongOption> kmodOptions) {
        List<Getopt.LongOption> all = new java.util.ArrayList<>(kmodOptions);
        all.addAll(LONG_OPTIONS);
        return List.copyOf(all);
    }

    /** Collects kmod4j's own options while a tool reads its command line. */
    static final class CommandLineOptions {
        private String root;
        private String sim;
        private String syscall;
        private boolean json;

        /** Takes one option getopt returned; false when it is not one of kmod4j's. */
        boolean take(Getopt.Opt o) {
            switch (o.val()) {
                case OPT_ROOT -> root = o.arg();
                case OPT_SIM -> sim = o.arg();
                case OPT_SYSCALL -> syscall = o.arg();
                case OPT_JSON -> json = true;
                default -> {
                    return false;
                }
            }
            return true;
        }

        Options target() {
            return new Options(root, sim, syscall);
        }

        boolean json() {
            return json;
        }
    }

    /** Opens a target; tests substitute their own (to record syscalls, say). */
    @FunctionalInterface
    public interface Factory {
        Target open(Options options) throws TargetException;
    }

    /** A target could not be set up; the message is printed after the tool's error prefix. */
    public static final class TargetException extends Exception {
        private static final long serialVersionUID = 1L;

        public TargetException(String message) {
            super(message);
        }
    }

    /**
     * An input file kmod4j refuses (a corrupt index, a file far larger than any real one): the message names the file
     * and what is wrong, and the tool prints it as an error and exits with status 1.
     */
    public static class BadInputException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public BadInputException(String message) {
            super(message);
        }
    }

    /**
     * The one line a tool prints for a failure that reached its last-resort handler: the message of a
     * {@link BadInputException}, else an internal error described without Java's class names or a stack trace (the
     * user can act on "the input nests too deeply", not on {@code java.lang.StackOverflowError}).
     */
    public static String failureMessage(Throwable t) {
        if (t instanceof BadInputException) {
            return t.getMessage();
        }
        if (t instanceof StackOverflowError) {
            return "kmod4j internal error: the input nests too deeply (out of stack); please report it";
        }
        if (t instanceof OutOfMemoryError) {
            return "kmod4j internal error: out of memory; please report it";
        }
        String message = t.getMessage();
        return "kmod4j internal error: " + (message == null || message.isBlank() ? "unexpected failure" : message)
                + "; please report it";
    }

    /** The syscall backends {@code --syscall} can choose for a fixture root. */
    public static final String SYSCALL_EMULATE = "emulate";
    public static final String SYSCALL_ENOSYS = "enosys";

    /** The usual factory: {@link #open(Options)}. */
    public static final Factory DEFAULT = Target::open;

    /** Sets up the target the options describe. */
    public static Target open(Options o) throws TargetException {
        if (o.root() != null && o.sim() != null) {
            throw new TargetException("--root and --sim cannot be used together.");
        }
        if (o.syscall() != null && o.root() == null) {
            throw new TargetException("--syscall needs --root DIR (a fixture tree).");
        }
        if (o.sim() != null) {
            return simulated(path("--sim", o.sim()));
        }
        if (o.root() != null) {
            return host(path("--root", o.root()), o.syscall());
        }
        return host(Path.of("/"), null);
    }

    /**
     * The path an option names. An empty one is refused: {@code Path.of("")} is the working directory, so
     * {@code --root=} (a variable that expanded to nothing) would make rmmod edit whatever directory it was run
     * from. A path Java cannot represent (a NUL byte) is refused with its option too.
     */
    private static Path path(String option, String value) throws TargetException {
        if (value.isEmpty()) {
            throw new TargetException(option + " needs a non-empty path (" + option + "= names no directory).");
        }
        try {
            return Path.of(value);
        } catch (java.nio.file.InvalidPathException e) {
            throw new TargetException(option + " " + printable(value) + ": not a valid path (" + e.getReason() + ").");
        }
    }

    /** A user's text in a message, control characters escaped so that they cannot garble the terminal. */
    public static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** An I/O failure's reason without Java's exception class names. */
    private static String ioReason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        // a FileSystemException's message repeats the raw path: its reason alone
        String m = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : e.getMessage();
        return m == null ? "input/output error" : m;
    }

    /** The running host ({@code /}) or a fixture tree. */
    public static Target host(Path root, String syscall) throws TargetException {
        if (!Files.isDirectory(root)) {
            throw new TargetException("--root " + printable(root.toString()) + ": not a directory.");
        }
        HostKernel kernel;
        if (HostKernel.isRealRoot(root)) {
            if (syscall != null) {
                throw new TargetException("--syscall is only for fixture trees, not for the root /.");
            }
            kernel = new HostKernel();
        } else {
            DeleteModuleSyscall backend = switch (syscall == null ? SYSCALL_EMULATE : syscall) {
                case SYSCALL_EMULATE -> new FixtureDeleteModule(root);
                case SYSCALL_ENOSYS -> new NoModuleSupportDeleteModule();
                default -> throw new TargetException("--syscall " + printable(syscall) + ": expected " + SYSCALL_EMULATE + " or "
                        + SYSCALL_ENOSYS + ".");
            };
            kernel = new HostKernel(root, backend);
        }
        try {
            return host(kernel);
        } catch (BadInputException e) {
            throw new TargetException(e.getMessage());
        }
    }

    /** A target for an already built host kernel: its builtin index is {@code lib/modules/RELEASE/modules.builtin.bin}. */
    public static Target host(HostKernel kernel) {
        Path index = kernel.resolve("/lib/modules/" + kernel.release() + "/modules.builtin.bin");
        // Checked once now, before the tool changes anything: a corrupt index stops the run with a clear message
        // instead of failing at the first lookup, which may come after other modules were already removed.
        IndexFile.open(index, "/lib/modules/" + kernel.release() + "/modules.builtin.bin");
        Filesystem files = new Filesystem() {
            @Override
            public String release() {
                return kernel.release();
            }

            @Override
            public Path resolve(String absolutePath) {
                return kernel.resolve(absolutePath);
            }
        };
        return new Target(kernel, BuiltinIndex.file(index), kernel.toString(), files);
    }

    /**
     * A simulated kernel after running a scenario's commands; its builtin index holds the scenario's {@code builtin}
     * declarations (as depmod would have indexed the kernel's modules.builtin).
     */
    public static Target simulated(Path file) throws TargetException {
        String shown = printable(file.toString());
        Scenario scenario;
        try {
            scenario = ScenarioParser.read(file);
        } catch (NoSuchFileException e) {
            throw new TargetException("--sim " + shown + ": No such file or directory");
        } catch (IOException e) {
            throw new TargetException("--sim " + shown + ": cannot read it: " + ioReason(e));
        } catch (ScenarioSyntaxException e) {
            throw new TargetException("--sim " + e.describe(shown));
        }
        ScenarioRunner runner = new ScenarioRunner(scenario);
        try {
            runner.run();
        } catch (SimulationDeadlockException e) {
            throw new TargetException("--sim " + file + ": the scenario never finishes: " + e.getMessage());
        }
        Set<String> builtins = new LinkedHashSet<>();
        for (BuiltinModule b : scenario.builtins()) {
            builtins.add(b.name().value());
        }
        Map<String, List<String>> uses = new LinkedHashMap<>();
        Map<String, List<String>> exports = new LinkedHashMap<>();
        for (ModuleImage image : scenario.images()) {
            uses.put(image.name().value(), image.uses());
            exports.put(image.name().value(), image.exports());
        }
        Filesystem files = new Filesystem() {
            /** Made on the first call: only modprobe reads the module directory, lsmod and rmmod never do. */
            private ModuleDirectory modules;

            @Override
            public String release() {
                return runner.kernel().profile().release();
            }

            @Override
            public Path resolve(String absolutePath) {
                return null;
            }

            @Override
            public synchronized ModuleDirectory moduleDirectory(String release) {
                if (modules == null) {
                    modules = ModuleDirectory.simulated("/lib/modules/" + runner.kernel().profile().release(), uses,
                            exports, builtins);
                }
                return modules;
            }
        };
        return new Target(runner.kernel(), BuiltinIndex.of(builtins), "simulated kernel from " + file, files);
    }
}
