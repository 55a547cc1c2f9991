package org.kmod4j.snapshot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.ProcModules;
import org.kmod4j.kmod.BuiltinIndex;
import org.kmod4j.kmod.IndexFile;
import org.kmod4j.kmod.ModuleDirectory;
import org.kmod4j.sim.KernelConfig;
import org.kmod4j.sim.SimulatedKernel;

/**
 * A host's (or a fixture's) module state at one moment (docs/snapshot-format.md): the kernel's view
 * ({@code /proc/modules}, the taint mask, {@code modules_disabled}, each module's sysfs attributes) and the files
 * {@code modprobe -r} reads (the module directory's binary indexes, {@code modules.softdep}, the module files that
 * exist, the modprobe.d configuration). Immutable.
 *
 * <p>{@link #newKernel()} restores the kernel's view into a fresh {@link SimulatedKernel} (Debian 12's profile with
 * force unload, as the fixture backend), so removals on it follow the kernel's rules and never touch the host.
 */
public final class Snapshot {
    /** The first line of every snapshot of this format version. */
    public static final String MAGIC = "kmod4j-snapshot";
    public static final int VERSION = 1;

    /** One recorded path: a file's bytes, a directory's entry names, or the mere existence of a module file. */
    public sealed interface Entry permits FileEntry, DirEntry, Exists {
    }

    public record FileEntry(byte[] content) implements Entry {
    }

    public record DirEntry(List<String> names) implements Entry {
        public DirEntry {
            names = List.copyOf(names);
        }
    }

    public record Exists() implements Entry {
    }

    private final String release;
    private final long tainted;
    private final boolean modulesDisabled;
    private final String source;
    private final Map<String, Entry> entries;
    private final List<LoadedModule> modules;
    private final boolean moduleUnload;
    private Path configRoot;

    /**
     * @throws SnapshotException when {@code /proc/modules} is missing or malformed, or its state cannot be restored
     */
    public Snapshot(String release, long tainted, boolean modulesDisabled, String source, Map<String, Entry> entries) {
        this.release = Objects.requireNonNull(release);
        this.tainted = tainted;
        this.modulesDisabled = modulesDisabled;
        this.source = source;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        if (!(entries.get(ProcModules.PATH) instanceof FileEntry pm)) {
            throw new SnapshotException("no " + ProcModules.PATH + " recorded");
        }
        String text = new String(pm.content(), StandardCharsets.UTF_8);
        try {
            this.modules = ProcModules.parse(text, ProcModules.PATH);
        } catch (ViewException e) {
            throw new SnapshotException(e.getMessage());
        }
        this.moduleUnload = !ProcModules.lacksUnloadInfo(text);
        try {
            newKernel(); // checked once: a state no kernel can be in is refused when the snapshot is read
        } catch (IllegalArgumentException e) {
            throw new SnapshotException(ProcModules.PATH + ": " + e.getMessage());
        }
    }

    public String release() {
        return release;
    }

    public long tainted() {
        return tainted;
    }

    public boolean modulesDisabled() {
        return modulesDisabled;
    }

    /** Where it was taken from (informational), or null. */
    public String source() {
        return source;
    }

    /** Every recorded path, in the order recorded. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The modules of {@code /proc/modules}, newest first. */
    public List<LoadedModule> modules() {
        return modules;
    }

    /** A recorded file's bytes, or null. */
    public byte[] file(String path) {
        return entries.get(path) instanceof FileEntry f ? f.content() : null;
    }

    /** A fresh simulated kernel in the recorded state. */
    public SimulatedKernel newKernel() {
        return SimulatedKernel.builder()
                .config(KernelConfig.debian().withForceUnload(true).withModuleUnload(moduleUnload))
                .restore(modules)
                .taintedMask(tainted)
                .modulesDisabled(modulesDisabled)
                .build();
    }

    /** {@code modules.builtin.bin} of the recorded module directory of {@code release}, read afresh each time. */
    public BuiltinIndex builtinIndex(String release) {
        String name = "/lib/modules/" + release + "/modules.builtin.bin";
        return module -> {
            byte[] data = file(name);
            IndexFile index = data == null ? null : IndexFile.parse(data, name);
            return index != null && index.search(module) != null;
        };
    }

    /** The module directory {@code /lib/modules/RELEASE} as recorded (empty for a release not recorded). */
    public ModuleDirectory moduleDirectory(String release) {
        return new Directory("/lib/modules/" + release);
    }

    /**
     * A private directory holding the recorded configuration files (modprobe.d) under their absolute paths, made on
     * first use: libkmod's configuration reader reads files. Owner-only; removed when the JVM exits normally, and a
     * later snapshot read removes those of processes that are gone.
     */
    public synchronized Path configRoot() {
        if (configRoot != null) {
            return configRoot;
        }
        try {
            sweepStale();
            Path dir = Files.createTempDirectory("kmod4j-snapshot-" + ProcessHandle.current().pid() + "-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            for (Map.Entry<String, Entry> e : entries.entrySet()) {
                if (!isConfigPath(e.getKey())) {
                    continue;
                }
                Path p = dir.resolve(e.getKey().substring(1));
                if (e.getValue() instanceof FileEntry f) {
                    Files.createDirectories(p.getParent());
                    Files.write(p, f.content());
                } else if (e.getValue() instanceof DirEntry) {
                    Files.createDirectories(p);
                }
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            configRoot = dir;
            return dir;
        } catch (IOException e) {
            throw new SnapshotException("cannot write the snapshot's configuration files to a temporary directory: "
                    + e.getMessage());
        }
    }

    private static boolean isConfigPath(String path) {
        for (String c : List.of("/etc/modprobe.d", "/run/modprobe.d", "/usr/local/lib/modprobe.d", "/lib/modprobe.d")) {
            if (path.equals(c) || path.startsWith(c + "/")) {
                return true;
            }
        }
        return false;
    }

    /** Removes the configuration directories of earlier processes that have ended (Main halts without hooks). */
    private static void sweepStale() {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        try (var dirs = Files.newDirectoryStream(tmp, "kmod4j-snapshot-*")) {
            for (Path d : dirs) {
                String[] parts = d.getFileName().toString().split("-");
                if (parts.length < 3) {
                    continue;
                }
                try {
                    long pid = Long.parseLong(parts[2]);
                    if (ProcessHandle.of(pid).isEmpty() && Files.isDirectory(d) && Files.isWritable(d)) {
                        deleteTree(d);
                    }
                } catch (NumberFormatException e) {
                    // not ours
                }
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            List<Path> all = new ArrayList<>(walk.toList());
            Collections.reverse(all);
            for (Path p : all) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // best effort
        }
    }

    /** The recorded module directory: kmod reads the binary indexes only, and so does this. */
    private final class Directory extends ModuleDirectory.Indexed {
        Directory(String dirname) {
            super(dirname);
        }

        @Override
        protected IndexFile open(String name) {
            byte[] data = file(name);
            return data == null ? null : IndexFile.parse(data, name);
        }

        @Override
        public boolean exists(String absolutePath) {
            return entries.containsKey(Path.of(absolutePath).normalize().toString());
        }

        @Override
        public byte[] softdepFile() {
            return file(dirname() + "/modules.softdep");
        }
    }
}
