package org.kmod4j.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.UserString;

/**
 * A fake {@code delete_module} for fixture trees: it applies a modern kernel's checks (kernel.md §1.1, §1.4) to the
 * fixture's {@code proc/modules} and, when the module may go, removes it the way {@code free_module()} does, so that a
 * run of several removals sees each one's effect.
 *
 * <p>The rules, in the kernel's order:
 * <ol>
 *   <li>{@code proc/sys/kernel/modules_disabled} containing {@code 1} → EPERM (the caller is taken to hold
 *       CAP_SYS_MODULE);</li>
 *   <li>an unmapped name pointer → EFAULT; an empty name or one of 56 bytes or more → ENOENT (the 6.17 rule, also in
 *       the 6.1 stable kernels);</li>
 *   <li>no {@code proc/modules} → ENOSYS (a kernel without module support); no line for the name → ENOENT (exact
 *       comparison, no {@code -}/{@code _} folding);</li>
 *   <li>refcount column {@code -} (a kernel without CONFIG_MODULE_UNLOAD) → ENOSYS;</li>
 *   <li>users other than {@code [permanent]} → EWOULDBLOCK, even with O_TRUNC;</li>
 *   <li>state not {@code Live} → EBUSY, even with O_TRUNC;</li>
 *   <li>{@code [permanent]} → EBUSY unless O_TRUNC and CONFIG_MODULE_FORCE_UNLOAD (then the kernel is tainted R);</li>
 *   <li>refcount above 0 → EWOULDBLOCK unless O_TRUNC and CONFIG_MODULE_FORCE_UNLOAD (tainted R).</li>
 * </ol>
 * On success the module's line and {@code sys/module/NAME} go; every module it used loses it from its users column and
 * its {@code holders/} directory and loses one reference (refcount column and {@code refcnt} file); a forced unload
 * sets bit 3 (8, "R") in {@code proc/sys/kernel/tainted} when that file exists. Unknown flag bits are ignored, as by the
 * kernel.
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
        Path disabled = root.resolve("proc/sys/kernel/modules_disabled");
        if (Files.isRegularFile(disabled) && Files.readString(disabled).strip().equals("1")) {
            return SyscallResult.failed(Errno.EPERM);
        }
        if (user instanceof UserString.Unmapped) {
            return SyscallResult.failed(Errno.EFAULT);
        }
        byte[] bytes = ((UserString.Bytes) user).bytes();
        int len = 0;
        while (len < bytes.length && bytes[len] != 0) {
            len++;
        }
        if (len == 0 || len > ModuleName.MAX_LENGTH) {
            return SyscallResult.failed(Errno.ENOENT);
        }
        String name = new String(bytes, 0, len, StandardCharsets.UTF_8);
        Path procModules = root.resolve("proc/modules");
        if (!Files.isRegularFile(procModules)) {
            return SyscallResult.failed(Errno.ENOSYS);
        }
        List<String> lines = new ArrayList<>(List.of(Files.readString(procModules).split("\n")));
        lines.removeIf(String::isEmpty);
        int index = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).split(" ", 2)[0].equals(name)) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            return SyscallResult.failed(Errno.ENOENT);
        }
        String[] f = lines.get(index).split(" ");
        if (f.length < 5) {
            throw new IOException("proc/modules line \"" + lines.get(index) + "\" has fewer than 5 fields");
        }
        if (f[2].equals("-")) {
            return SyscallResult.failed(Errno.ENOSYS);
        }
        boolean permanent = false;
        for (String u : users(f[3])) {
            if (u.equals("[permanent]")) {
                permanent = true;
            } else {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
        }
        if (!f[4].equals("Live")) {
            return SyscallResult.failed(Errno.EBUSY);
        }
        boolean forced = forceUnload && RemoveFlag.FORCE.isSetIn(flags);
        boolean tainted = false;
        if (permanent) {
            if (!forced) {
                return SyscallResult.failed(Errno.EBUSY);
            }
            tainted = true;
        }
        int refcount = Integer.parseInt(f[2]);
        if (refcount > 0) {
            if (!forced) {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
            tainted = true;
        }
        free(name, lines, index);
        if (tainted) {
            addTaint(Taint.FORCED_RMMOD);
        }
        return SyscallResult.ok();
    }

    private static List<String> users(String column) {
        if (column.equals("-") || column.isEmpty()) {
            return List.of();
        }
        String body = column.endsWith(",") ? column.substring(0, column.length() - 1) : column;
        return List.of(body.split(","));
    }

    /** {@code free_module()} on the fixture. */
    private void free(String name, List<String> lines, int index) throws IOException {
        lines.remove(index);
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

    private void addTaint(Taint taint) throws IOException {
        Path tainted = root.resolve("proc/sys/kernel/tainted");
        if (Files.isRegularFile(tainted)) {
            long mask;
            try {
                mask = Long.parseLong(Files.readString(tainted).strip());
            } catch (NumberFormatException e) {
                mask = 0;
            }
            Files.writeString(tainted, (mask | taint.mask()) + "\n");
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
