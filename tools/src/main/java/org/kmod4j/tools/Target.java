package org.kmod4j.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.kmod4j.api.BadInputException;
import org.kmod4j.host.HostKernel;
import org.kmod4j.host.NoModuleSupportDeleteModule;
import org.kmod4j.libc.Getopt;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;

/**
 * kmod4j's own options that choose the kernel a tool works on, and the library context they open: the running host,
 * a fixture tree ({@code --root DIR}) or a simulated kernel seeded by a scenario ({@code --sim FILE}).
 */
public final class Target {
    private Target() {
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

    /** Opens the library context; tests substitute their own (to record syscalls, say). */
    @FunctionalInterface
    public interface Factory {
        Kmod open(Options options) throws TargetException;
    }

    /** A target could not be set up; the message is printed after the tool's error prefix. */
    public static final class TargetException extends Exception {
        private static final long serialVersionUID = 1L;

        public TargetException(String message) {
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

    /** Opens the context the options describe. */
    public static Kmod open(Options o) throws TargetException {
        if (o.root() != null && o.sim() != null) {
            throw new TargetException("--root and --sim cannot be used together.");
        }
        if (o.syscall() != null && o.root() == null) {
            throw new TargetException("--syscall needs --root DIR (a fixture tree).");
        }
        if (o.sim() != null) {
            Path file = path("--sim", o.sim());
            try {
                if (org.kmod4j.snapshot.SnapshotFormat.isSnapshot(file)) {
                    return Kmod.snapshot(file);
                }
                return Kmod.scenario(file);
            } catch (KmodException e) {
                throw new TargetException("--sim " + e.getMessage());
            }
        }
        Path root = o.root() != null ? path("--root", o.root()) : Path.of("/");
        if (!Files.isDirectory(root)) {
            throw new TargetException("--root " + BadInputException.printable(root.toString()) + ": not a directory.");
        }
        try {
            if (HostKernel.isRealRoot(root)) {
                if (o.syscall() != null) {
                    throw new TargetException("--syscall is only for fixture trees, not for the root /.");
                }
                return Kmod.host();
            }
            return switch (o.syscall() == null ? SYSCALL_EMULATE : o.syscall()) {
                case SYSCALL_EMULATE -> Kmod.fixture(root);
                case SYSCALL_ENOSYS -> Kmod.of(new HostKernel(root, new NoModuleSupportDeleteModule()));
                default -> throw new TargetException("--syscall " + BadInputException.printable(o.syscall())
                        + ": expected " + SYSCALL_EMULATE + " or " + SYSCALL_ENOSYS + ".");
            };
        } catch (KmodException e) {
            throw new TargetException(e.getMessage());
        }
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
            throw new TargetException(option + " " + BadInputException.printable(value) + ": not a valid path ("
                    + e.getReason() + ").");
        }
    }
}
