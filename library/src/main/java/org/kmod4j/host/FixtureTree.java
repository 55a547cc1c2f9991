package org.kmod4j.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * A fixture tree seen as a confined file system: every path is a kernel path ({@code /proc/modules}) mapped under the
 * root, and no operation ever leaves the root.
 *
 * <ul>
 *   <li>A path component {@code .} or {@code ..} is refused before it becomes a path: such components only come from
 *       names read in files of the fixture or its configuration (a module named {@code ..} in {@code proc/modules}, an
 *       alias to {@code .}), and {@code sys/module/..} would name the whole {@code sys} directory.</li>
 *   <li>Symbolic links are followed only while they stay inside the root; one that leads out (or dangles out) is
 *       refused with a {@link FixtureException} naming it, for reading as for writing, so a fixture cannot make kmod4j
 *       read or change files of the machine.</li>
 *   <li>Reads are bounded and only of regular files: a FIFO or a device ({@code /dev/zero} made with mknod) would block
 *       or never end, and no kernel view is larger than {@link #PROC_MODULES_CAP}.</li>
 * </ul>
 *
 * <p>The checks resolve the path and then open it, so a fixture changed <em>while</em> a tool runs could still swap a
 * directory for a link in between; fixtures are test data, not an adversary racing the tool, and the writes of the
 * emulated syscall happen under {@link FixtureLock}.
 */
public final class FixtureTree {
    /**
     * The most kmod4j reads of {@code /proc/modules}: about 100 bytes a line, so room for some 80,000 modules (a real
     * kernel has a few hundred); anything larger is not a kernel view.
     */
    public static final int PROC_MODULES_CAP = 8 << 20;
    /** The most kmod4j reads of any other kernel file: a sysfs attribute is at most one page (64 KiB on arm64). */
    public static final int ATTRIBUTE_CAP = 64 << 10;

    private final Path root;

    /** The tree under {@code root} (symbolic links in the root's own path are resolved once, here). */
    public FixtureTree(Path root) {
        Path abs = root.toAbsolutePath().normalize();
        Path real;
        try {
            real = abs.toRealPath();
        } catch (IOException e) {
            real = abs; // a root that does not exist: every path under it is missing
        }
        this.root = real;
    }

    /** The root directory (its real path). */
    public Path root() {
        return root;
    }

    /** The cap on reads of a kernel path: {@link #PROC_MODULES_CAP} for {@code /proc/modules}, else one attribute. */
    public static int capOf(String absolutePath) {
        return absolutePath.equals(ProcModules.PATH) ? PROC_MODULES_CAP : ATTRIBUTE_CAP;
    }

    /**
     * The components of an absolute kernel path, without the empty ones ({@code //} is {@code /}, as for
     * {@code open()}).
     *
     * @throws FixtureException for a {@code .} or {@code ..} component
     */
    public List<String> components(String absolutePath) {
        if (!absolutePath.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + absolutePath);
        }
        List<String> out = new ArrayList<>();
        for (String c : absolutePath.substring(1).split("/")) {
            if (c.isEmpty()) {
                continue;
            }
            if (c.equals(".") || c.equals("..")) {
                throw new FixtureException("fixture " + root + ": refusing the path " + absolutePath + ": its component '"
                        + c + "' would leave the directory it names (a module name '.' or '..' read from a file "
                        + "of the fixture or its configuration?); nothing was changed");
            }
            out.add(c);
        }
        return out;
    }

    private Path lexical(String absolutePath) {
        Path p = root;
        for (String c : components(absolutePath)) {
            if (c.indexOf('\0') >= 0) {
                // a C path would end at the NUL; a Java path cannot hold one: refuse rather than guess
                throw new FixtureException("fixture " + root + ": refusing the path "
                        + absolutePath.substring(0, absolutePath.indexOf('\0')) + "\\x00...: a NUL byte in a name "
                        + "read from a file of the fixture or its configuration; nothing was changed");
            }
            p = p.resolve(c);
        }
        return p;
    }

    /**
     * The file behind a kernel path, for reading: symbolic links are followed as long as they stay inside the root. A
     * missing file gives its path under the root (opening it fails with ENOENT or ENOTDIR, as on the real system).
     *
     * @throws FixtureException when a component is {@code .}/{@code ..} or a symbolic link leads out of the root
     */
    public Path forReading(String absolutePath) {
        Path p = lexical(absolutePath);
        Path real = null;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            // missing (or unreadable) somewhere: check the part that exists, component by component
        }
        if (real != null && real.startsWith(root)) {
            return real;
        }
        checkComponents(absolutePath, p); // names the link that leads out
        if (real != null) {
            throw leadsOut(absolutePath, p, real);
        }
        return p;
    }

    /** Walks the existing components of {@code p} and refuses the first symbolic link that leads out of the root. */
    private void checkComponents(String absolutePath, Path p) {
        Path prefix = root;
        for (Path name : root.relativize(p)) {
            prefix = prefix.resolve(name);
            if (!Files.isSymbolicLink(prefix)) {
                if (!Files.exists(prefix, LinkOption.NOFOLLOW_LINKS)) {
                    return; // the rest does not exist: opening it fails inside the root
                }
                continue;
            }
            Path target;
            try {
                target = prefix.toRealPath();
            } catch (IOException e) {
                // a dangling link: where it would lead
                try {
                    target = prefix.getParent().resolve(Files.readSymbolicLink(prefix)).normalize();
                } catch (IOException e2) {
                    return;
                }
            }
            if (!target.startsWith(root)) {
                throw leadsOut(absolutePath, prefix, target);
            }
        }
    }

    private FixtureException leadsOut(String absolutePath, Path link, Path target) {
        return new FixtureException("fixture " + root + ": " + root.relativize(link) + " is a symbolic link that leads "
                + "out of the root (to " + target + "); refusing to follow it for " + absolutePath
                + "; nothing was changed");
    }

    /**
     * The file behind a kernel path, for creating, replacing or deleting it: its directory is resolved as for
     * {@link #forReading} and must exist; the last component is never followed (a link there is replaced or removed
     * itself, never what it points to).
     *
     * @throws FixtureException as {@link #forReading}, or when the directory leads out of the root
     */
    public Path forWriting(String absolutePath) {
        List<String> c = components(absolutePath);
        if (c.isEmpty()) {
            throw new FixtureException("fixture " + root + ": refusing to write the root itself");
        }
        String parent = "/" + String.join("/", c.subList(0, c.size() - 1));
        Path dir = forReading(parent);
        if (!dir.startsWith(root)) {
            // unreachable while forReading() checks its links; a second guard for the only place kmod4j writes
            throw new FixtureException("fixture " + root + ": the directory of " + absolutePath + " is " + dir
                    + ", outside the root; refusing to write there; nothing was changed");
        }
        return dir.resolve(c.get(c.size() - 1));
    }

    /**
     * Reads a regular file of the fixture, at most {@code cap} bytes.
     *
     * @throws NoSuchFileException           (and other IOExceptions) as opening and reading the file give them; a
     *                                       directory gives a FileSystemException with the reason {@code Is a directory}
     * @throws FixtureException              when the path leads out of the root, the file is not a regular file (a FIFO
     *                                       or device would block or never end) or it is larger than {@code cap}
     */
    public byte[] read(String absolutePath, int cap) throws IOException {
        Path p = forReading(absolutePath);
        return readBounded(p, absolutePath, cap, true);
    }

    /**
     * Reads at most {@code cap} bytes of {@code p} ({@code name} for messages); with {@code regularOnly}, anything
     * but a directory or a regular file is refused. A directory gives EISDIR, as {@code read()} does.
     */
    static byte[] readBounded(Path p, String name, int cap, boolean regularOnly) throws IOException {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            // Java's stat() reports ENOTDIR as a missing file too; open() tells them apart (and cannot block on a
            // file that is not there)
            try (InputStream in = Files.newInputStream(p)) {
                throw e;
            }
        }
        if (a.isDirectory()) {
            throw new FileSystemException(name, null, "Is a directory");
        }
        if (regularOnly && !a.isRegularFile()) {
            throw new FixtureException(p + ": not a regular file (a FIFO, device or socket), which no fixture file "
                    + "may be: reading it could block or never end; nothing was changed");
        }
        byte[] data;
        try (InputStream in = Files.newInputStream(p)) {
            data = in.readNBytes(cap + 1);
        }
        if (data.length > cap) {
            throw new FixtureException(p + ": more than " + cap + " bytes, the most kmod4j reads of " + name
                    + " (no kernel view is that large: an endless or wrong file?); nothing was changed");
        }
        return data;
    }

    /** The entries of a directory of the fixture, in readdir order. */
    public List<String> list(String absolutePath) throws IOException {
        Path p = forReading(absolutePath);
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(p)) {
            for (Path entry : dir) {
                names.add(entry.getFileName().toString());
            }
        }
        return names;
    }

    @Override
    public String toString() {
        return root.toString();
    }
}
