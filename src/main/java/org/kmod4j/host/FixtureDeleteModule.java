package org.kmod4j.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.KernelConfig;
import org.kmod4j.sim.SimulatedKernel;

/**
 * A fake {@code delete_module} for fixture trees. The decision is the simulator's: the fixture's
 * {@code proc/modules}, {@code tainted} and {@code modules_disabled} are restored into a {@link SimulatedKernel}
 * (Debian 12's 6.1 profile), which answers the call by the kernel's rules. When it unloads the module, the fixture is
 * changed the way {@code free_module()} changes the real files, so that a run of several removals sees each one's
 * effect: the module's line and {@code sys/module/NAME} go; every module it used loses it from its users column and
 * its {@code holders/} directory and loses one reference (refcount column and {@code refcnt} file); the
 * simulator's taint mask (R after a forced unload) goes to {@code proc/sys/kernel/tainted} when that file exists.
 *
 * <p>No {@code proc/modules} is a kernel without module support (ENOSYS); a refcount column {@code -} is one without
 * CONFIG_MODULE_UNLOAD (ENOSYS, before any other check, as the kernel's {@code sys_ni_syscall}).
 */
public final class FixtureDeleteModule implements DeleteModuleSyscall {
    private final Path root;
    private final boolean forceUnload;

    /** A fake with CONFIG_MODULE_FORCE_UNLOAD=y, as Debian's kernels. */
    public FixtureDeleteModule(Path root) {
        this(root, true);
    }

    /** A fake with or without CONFIG_MODULE_FORCE_UNLOAD. */
    public FixtureDeleteModule(Path root, boolean forceUnload) {
        this.root = root.toAbsolutePath().normalize();
        this.forceUnload = forceUnload;
    }

    @Override
    public synchronized SyscallResult deleteModule(UserString name, int flags) {
        try {
            return delete(name, flags);
        } catch (IOException e) {
            throw new UncheckedIOException("fixture " + root + ": " + e.getMessage(), e);
        }
    }

    private SyscallResult delete(UserString user, int flags) throws IOException {
        Path procModules = root.resolve("proc/modules");
        if (!Files.isRegularFile(procModules)) {
            return SyscallResult.failed(Errno.ENOSYS);
        }
        String text = Files.readString(procModules);
        List<LoadedModule> before;
        try {
            before = ProcModules.parse(text, procModules.toString());
        } catch (ViewException e) {
            throw new IOException(e.getMessage(), e);
        }
        long taintedBefore = readLong(root.resolve("proc/sys/kernel/tainted"));
        SimulatedKernel kernel;
        try {
            kernel = SimulatedKernel.builder()
                    .config(KernelConfig.debian().withForceUnload(forceUnload)
                            .withModuleUnload(!ProcModules.lacksUnloadInfo(text)))
                    .restore(before)
                    .taintedMask(taintedBefore)
                    .modulesDisabled(readLong(root.resolve("proc/sys/kernel/modules_disabled")) == 1)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new IOException(procModules + ": " + e.getMessage(), e);
        }
        SyscallResult result = kernel.deleteModule(user, flags);
        if (result.isOk()) {
            Set<String> left = new java.util.HashSet<>();
            kernel.loadedModules().forEach(m -> left.add(m.name().value()));
            for (LoadedModule m : before) {
                if (!left.contains(m.name().value())) {
                    free(m.name().value());
                }
            }
            if (kernel.taintedMask() != taintedBefore) {
                writeTainted(kernel.taintedMask());
            }
        }
        return result;
    }

    /** A number in a fixture file, or 0 when the file is missing or holds something else. */
    private static long readLong(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return 0;
        }
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static List<String> users(String column) {
        if (column.equals("-") || column.isEmpty()) {
            return List.of();
        }
        String body = column.endsWith(",") ? column.substring(0, column.length() - 1) : column;
        return List.of(body.split(","));
    }

    /** {@code free_module()} on the fixture's files. */
    private void free(String name) throws IOException {
        Path procModules = root.resolve("proc/modules");
        List<String> lines = new ArrayList<>(List.of(Files.readString(procModules).split("\n")));
        lines.removeIf(line -> line.isEmpty() || line.split(" ", 2)[0].equals(name));
        Set<String> targets = new LinkedHashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ", -1);
            if (f.length < 4 || f[2].equals("-")) {
                continue;
            }
            List<String> users = new ArrayList<>(users(f[3]));
            if (users.remove(name)) {
                targets.add(f[0]);
                f[3] = users.isEmpty() ? "-" : String.join(",", users) + ",";
                f[2] = Integer.toString(Integer.parseInt(f[2]) - 1);
                lines.set(i, String.join(" ", f));
            }
        }
        StringBuilder text = new StringBuilder();
        lines.forEach(l -> text.append(l).append('\n'));
        Files.writeString(root.resolve("proc/modules"), text);

        Path sysModule = root.resolve("sys/module");
        deleteTree(sysModule.resolve(name));
        if (Files.isDirectory(sysModule)) {
            try (DirectoryStream<Path> dirs = Files.newDirectoryStream(sysModule)) {
                for (Path dir : dirs) {
                    Path link = dir.resolve("holders").resolve(name);
                    if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                        Files.delete(link);
                        targets.add(dir.getFileName().toString());
                    }
                }
            }
        }
        for (String target : targets) {
            Path refcnt = sysModule.resolve(target).resolve("refcnt");
            if (Files.isRegularFile(refcnt)) {
                try {
                    int value = Integer.parseInt(Files.readString(refcnt).strip());
                    Files.writeString(refcnt, (value - 1) + "\n");
                } catch (NumberFormatException e) {
                    // an unreadable count stays as it is
                }
            }
        }
    }

    private void writeTainted(long mask) throws IOException {
        Path tainted = root.resolve("proc/sys/kernel/tainted");
        if (Files.isRegularFile(tainted)) {
            Files.writeString(tainted, mask + "\n");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    @Override
    public String toString() {
        return "emulated delete_module on " + root;
    }
}
