package org.kmod4j.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;

/**
 * The module subsystem of a real Linux host, seen through a root directory.
 *
 * <p>With the root {@code /} (the default) this is the running kernel: the views read {@code /proc} and {@code /sys}
 * and {@link #deleteModule} is the real syscall ({@link NativeDeleteModule}). Any other root is a <em>fixture</em>: a
 * directory tree with {@code proc/modules}, {@code sys/module/NAME/...} and {@code lib/modules/RELEASE/...} that stands
 * in for {@code /}; absolute kernel paths are mapped under it and the syscall is a fake, by default
 * {@link FixtureDeleteModule}. A fixture never reaches the real syscall: the constructor refuses a
 * {@link NativeDeleteModule} with a root other than {@code /}.
 *
 * <p>Directory listings keep the real {@code readdir} order ({@link Files#newDirectoryStream}); nothing is sorted,
 * because kmod prints holders in directory order.
 */
public final class HostKernel implements ModuleSubsystem {
    private static final Path SLASH = Path.of("/");

    private final Path root;
    private final boolean realRoot;
    /** The confined view of a fixture root; null for the running kernel. */
    private final FixtureTree tree;
    private final DeleteModuleSyscall syscall;

    /** The running kernel: root {@code /} and the real syscall. */
    public HostKernel() {
        this(SLASH);
    }

    /** A root with its default syscall: the real one for {@code /}, {@link FixtureDeleteModule} otherwise. */
    public HostKernel(Path root) {
        this(root, defaultSyscall(root));
    }

    /**
     * A root with a chosen syscall backend.
     *
     * @throws IllegalArgumentException when a fixture root is paired with the real syscall
     */
    public HostKernel(Path root, DeleteModuleSyscall syscall) {
        this.root = root.toAbsolutePath().normalize();
        this.realRoot = isRealRoot(root);
        this.tree = realRoot ? null : new FixtureTree(root);
        if (!realRoot && syscall instanceof NativeDeleteModule) {
            throw new IllegalArgumentException("the real delete_module syscall is only used with the root /, not with "
                    + "the fixture " + this.root);
        }
        this.syscall = syscall;
    }

    /** Whether {@code root} is the machine's own {@code /} (after resolving symbolic links). */
    public static boolean isRealRoot(Path root) {
        Path p = root.toAbsolutePath().normalize();
        try {
            p = p.toRealPath();
        } catch (IOException e) {
            // A root that does not exist is not "/".
        }
        return p.equals(SLASH);
    }

    private static DeleteModuleSyscall defaultSyscall(Path root) {
        if (!isRealRoot(root)) {
            return new FixtureDeleteModule(root);
        }
        try {
            return new NativeDeleteModule();
        } catch (UnsupportedOperationException e) {
            return (name, flags) -> {
                throw e;
            };
        }
    }

    /** The root directory ({@code /} for the running kernel). */
    public Path root() {
        return root;
    }

    /** Whether this is the running kernel rather than a fixture. */
    public boolean isRealRoot() {
        return realRoot;
    }

    /** The syscall backend. */
    public DeleteModuleSyscall syscall() {
        return syscall;
    }

    /**
     * The kernel release whose {@code lib/modules/RELEASE} directory kmod uses: {@code uname -r} (the JVM's
     * {@code os.version}); a fixture may override it with a {@code proc/sys/kernel/osrelease} file.
     */
    public String release() {
        if (!realRoot) {
            try {
                String text = readFile("/proc/sys/kernel/osrelease").strip();
                if (text.equals(".") || text.equals("..") || text.contains("/") || text.contains("\0")) {
                    // it names the directory lib/modules/RELEASE, so it must be one directory name
                    throw new FixtureException("fixture " + root + ": proc/sys/kernel/osrelease: '"
                            + FixtureDeleteModule.printable(text) + "' is not a kernel release (it must be a "
                            + "directory name under lib/modules); nothing was changed");
                }
                if (!text.isEmpty()) {
                    return text;
                }
            } catch (ViewException e) {
                // no override in this fixture
            }
        }
        return System.getProperty("os.version", "");
    }

    /**
     * The file behind an absolute kernel path: the path itself for {@code /}; for a fixture, the path under the root
     * with its symbolic links resolved, never outside the root ({@link FixtureTree#forReading}).
     *
     * @throws IllegalArgumentException for a relative path
     * @throws FixtureException         for a fixture path with a {@code .} or {@code ..} component, a symbolic link
     *                                  that leads out of the root, or a FIFO, device or socket (the paths resolved here
     *                                  are read by others, configuration files and indexes, and opening a FIFO would
     *                                  block)
     */
    public Path resolve(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolutePath);
        }
        if (realRoot) {
            return Path.of(absolutePath);
        }
        Path p = tree.forReading(absolutePath);
        if (Files.exists(p) && !Files.isRegularFile(p) && !Files.isDirectory(p)) {
            throw new FixtureException(p + ": not a regular file (a FIFO, device or socket), which no fixture file may "
                    + "be: reading it could block or never end; nothing was changed");
        }
        return p;
    }

    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        return syscall.deleteModule(name, flags);
    }

    /**
     * Parses {@code /proc/modules} (docs/kernel-rules.md, "/proc/modules").
     *
     * @throws ViewException with the file's errno when it cannot be read (ENOENT on a kernel without module
     *                       support), or with EINVAL and a message naming the line when a line is malformed
     */
    @Override
    public List<LoadedModule> loadedModules() throws ViewException {
        return ProcModules.parse(readFile(ProcModules.PATH), ProcModules.PATH);
    }

    /**
     * A kernel file's content, read as UTF-8 (invalid bytes become U+FFFD, as docs/tools.md says). At most
     * {@link FixtureTree#capOf} bytes are read: a file larger than any kernel view (a fixture's {@code proc/modules}
     * that never ends) gives a {@link FixtureException} naming the file and the cap instead of filling the memory.
     * In a fixture, only regular files are read and symbolic links must stay inside the root.
     *
     * @throws FixtureException as said above, for a fixture that kmod4j refuses to use
     */
    @Override
    public String readFile(String path) throws ViewException {
        try {
            byte[] data = realRoot
                    ? FixtureTree.readBounded(resolve(path), path, FixtureTree.capOf(path), false)
                    : tree.read(path, FixtureTree.capOf(path));
            return new String(data, StandardCharsets.UTF_8);
        } catch (InvalidPathException e) {
            throw new ViewException(path, Errno.ENOENT);
        } catch (IOException e) {
            throw new ViewException(path, errnoOf(e));
        }
    }

    @Override
    public List<String> listDirectory(String path) throws ViewException {
        try {
            if (!realRoot) {
                return tree.list(path);
            }
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(resolve(path))) {
                for (Path entry : dir) {
                    names.add(entry.getFileName().toString());
                }
            }
            return names;
        } catch (InvalidPathException e) {
            throw new ViewException(path, Errno.ENOENT);
        } catch (IOException e) {
            throw new ViewException(path, errnoOf(e));
        }
    }

    /** The errno behind a failed file operation, from the exception type or the C library's text in its message. */
    static Errno errnoOf(IOException e) {
        if (e instanceof NoSuchFileException) {
            return Errno.ENOENT;
        }
        if (e instanceof NotDirectoryException) {
            return Errno.ENOTDIR;
        }
        if (e instanceof AccessDeniedException) {
            return Errno.EACCES;
        }
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        if (reason != null) {
            for (Errno errno : Errno.values()) {
                if (reason.equals(errno.message()) || reason.endsWith(": " + errno.message())) {
                    return errno;
                }
            }
        }
        // Errno has no EIO; EINVAL is the closest value it can carry.
        return Errno.EINVAL;
    }

    @Override
    public String toString() {
        return realRoot ? "host kernel (/)" : "fixture " + root + " (" + syscall + ")";
    }
}
