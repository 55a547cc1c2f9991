package org.kmod4j.host;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
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
 *
 * <p>Safety, because {@code --root} is where people try removal automation without risk:
 * <ul>
 *   <li>every path goes through {@link FixtureTree}: nothing outside the root is read, written or deleted, and a
 *       name read from the fixture ({@code .}, {@code ..}) is checked before it becomes a path;</li>
 *   <li>each call is all or nothing: everything is read and checked, the new files are computed, and only then is
 *       the tree changed, by renames ({@link FixtureEdit}); a broken fixture gives a {@link FixtureException} naming
 *       the file, with the tree unchanged;</li>
 *   <li>each call holds the fixture's lock ({@link FixtureLock}) from its first read to its last write, as
 *       {@code module_mutex} serialises the kernel, so tools running at once on one fixture never lose a removal.</li>
 * </ul>
 */
public final class FixtureDeleteModule implements DeleteModuleSyscall {
    private static final String PROC_MODULES = "/proc/modules";
    private static final String TAINTED = "/proc/sys/kernel/tainted";
    private static final String MODULES_DISABLED = "/proc/sys/kernel/modules_disabled";

    private final FixtureTree tree;
    private final boolean forceUnload;

    /** A fake with CONFIG_MODULE_FORCE_UNLOAD=y, as Debian's kernels. */
    public FixtureDeleteModule(Path root) {
        this(root, true);
    }

    /** A fake with or without CONFIG_MODULE_FORCE_UNLOAD. */
    public FixtureDeleteModule(Path root, boolean forceUnload) {
        this.tree = new FixtureTree(root);
        this.forceUnload = forceUnload;
    }

    /**
     * {@code delete_module(name, flags)} on the fixture.
     *
     * @throws FixtureException when the fixture is broken (a link out of the root, a bad name or number, bytes that
     *                          are not UTF-8, a file too large); the fixture is then unchanged
     */
    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        try {
            return FixtureLock.holding(tree, () -> delete(name, flags));
        } catch (IOException e) {
            throw new FixtureException("fixture " + tree.root() + ": " + where(e) + FixtureLock.describe(e)
                    + "; nothing was changed", e);
        }
    }

    private String where(IOException e) {
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            String file = fse.getFile();
            String rootText = tree.root().toString();
            return (file.startsWith(rootText + "/") ? file.substring(rootText.length() + 1) : file) + ": ";
        }
        return "";
    }

    private SyscallResult delete(UserString user, int flags) throws IOException {
        byte[] procBytes;
        try {
            procBytes = tree.read(PROC_MODULES, FixtureTree.PROC_MODULES_CAP);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return SyscallResult.failed(Errno.ENOSYS); // a kernel without module support
        }
        String text = utf8Lines(procBytes, "proc/modules");
        List<LoadedModule> before;
        try {
            before = ProcModules.parse(text, "proc/modules");
        } catch (ViewException e) {
            throw broken(printable(e.getMessage()));
        }
        for (int i = 0; i < before.size(); i++) {
            LoadedModule m = before.get(i);
            checkName(m.name(), i + 1);
            for (ModuleName h : m.holders()) {
                checkName(h, i + 1);
            }
        }
        long taintedBefore = readNumber(TAINTED, 0);
        boolean disabled = readNumber(MODULES_DISABLED, 0) == 1;
        SimulatedKernel kernel;
        try {
            kernel = SimulatedKernel.builder()
                    .config(KernelConfig.debian().withForceUnload(forceUnload)
                            .withModuleUnload(!ProcModules.lacksUnloadInfo(text)))
                    .restore(before)
                    .taintedMask(taintedBefore)
                    .modulesDisabled(disabled)
                    .build();
        } catch (RuntimeException e) {
            throw broken("proc/modules: " + printable(String.valueOf(e.getMessage())));
        }
        SyscallResult result = kernel.deleteModule(user, flags);
        if (result.isOk()) {
            Set<String> left = new HashSet<>();
            kernel.loadedModules().forEach(m -> left.add(m.name().value()));
            List<String> freed = new ArrayList<>();
            for (LoadedModule m : before) {
                if (!left.contains(m.name().value()) && !freed.contains(m.name().value())) {
                    freed.add(m.name().value());
                }
            }
            FixtureEdit edit = new FixtureEdit(tree);
            planFree(freed, text, procBytes, edit);
            if (kernel.taintedMask() != taintedBefore) {
                planTainted(kernel.taintedMask(), edit);
            }
            edit.apply();
        }
        return result;
    }

    /**
     * {@code free_module()} of each freed module, as changes to make: its line and {@code sys/module/NAME} go, and
     * every module it used loses it from its users column and {@code holders/} and loses one reference. Reads and
     * checks everything; writes nothing.
     */
    private void planFree(List<String> freed, String text, byte[] procBytes, FixtureEdit edit) throws IOException {
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        lines.removeIf(line -> line.isEmpty() || freed.contains(line.split(" ", 2)[0]));
        Map<String, Integer> drops = new LinkedHashMap<>();
        List<String> sysModule = listOrEmpty("/sys/module");
        for (String name : freed) {
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
                    f[2] = Integer.toString(Integer.parseInt(f[2]) - 1); // checked by ProcModules.parse
                    lines.set(i, String.join(" ", f));
                }
            }
            Path dir = tree.forWriting("/sys/module/" + name);
            if (Files.isSymbolicLink(dir)) {
                // Removing the link would touch nothing else, but the kernel's sys/module/NAME is a directory: a link
                // that leads out of the root is refused as it is for reading, whatever the tool read before.
                tree.forReading("/sys/module/" + name);
            }
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                edit.remove(dir);
            }
            for (String entry : sysModule) {
                if (freed.contains(entry)) {
                    continue; // goes as a whole
                }
                Path link = tree.forWriting("/sys/module/" + entry + "/holders/" + name);
                if (Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    edit.remove(link);
                    targets.add(entry);
                }
            }
            targets.forEach(t -> drops.merge(t, 1, Integer::sum));
        }
        for (Map.Entry<String, Integer> drop : drops.entrySet()) {
            planRefcnt(drop.getKey(), drop.getValue(), edit);
        }
        StringBuilder out = new StringBuilder();
        lines.forEach(l -> out.append(l).append('\n'));
        edit.replace(tree.forWriting(PROC_MODULES), procBytes, out.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** One module's {@code refcnt} lowered by {@code drop}; a missing file stays missing. */
    private void planRefcnt(String target, int drop, FixtureEdit edit) throws IOException {
        String path = "/sys/module/" + target + "/refcnt";
        byte[] old;
        try {
            old = tree.read(path, FixtureTree.ATTRIBUTE_CAP);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return;
        }
        String digits = new String(old, StandardCharsets.ISO_8859_1).strip();
        long value;
        try {
            if (!digits.matches("-?[0-9]{1,10}")) {
                throw new NumberFormatException();
            }
            value = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw broken("sys/module/" + target + "/refcnt: not a number (" + printable(old)
                    + "), so the reference its user held cannot be dropped");
        }
        edit.replace(tree.forWriting(path), old, ((value - drop) + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void planTainted(long mask, FixtureEdit edit) throws IOException {
        byte[] old;
        try {
            old = tree.read(TAINTED, FixtureTree.ATTRIBUTE_CAP);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return; // a fixture without the file does not track taints
        }
        edit.replace(tree.forWriting(TAINTED), old, (mask + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    /** The entries of a fixture directory, none when it is missing. */
    private List<String> listOrEmpty(String path) throws IOException {
        try {
            return tree.list(path);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        }
    }

    /**
     * A number in a fixture file, or {@code missing} when there is no such file. Anything else than a decimal number
     * (with white space around it) is a broken fixture: guessing 0 would then be written back.
     */
    private long readNumber(String path, long missing) throws IOException {
        byte[] data;
        try {
            data = tree.read(path, FixtureTree.ATTRIBUTE_CAP);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return missing;
        }
        String digits = new String(data, StandardCharsets.ISO_8859_1).strip();
        if (!digits.matches("[0-9]{1,18}")) {
            throw broken(path.substring(1) + ": not a number (" + printable(data) + ")");
        }
        return Long.parseLong(digits);
    }

    /**
     * A module name read from {@code proc/modules} becomes {@code sys/module/NAME}: {@code .} and {@code ..} would
     * name {@code sys/module} itself or {@code sys}, whose removal would take every module's directory with it.
     * ({@link ModuleName} already refuses empty names and {@code /}, NUL and spaces.)
     */
    private void checkName(ModuleName name, int line) {
        if (name.value().equals(".") || name.value().equals("..")) {
            throw broken("proc/modules line " + line + ": '" + name.value() + "' cannot be a module name (it is not a "
                    + "directory name under sys/module)");
        }
    }

    /**
     * The file as UTF-8 text, or a broken fixture naming the first line that is not UTF-8. Module names are bytes to
     * the kernel, but kmod4j edits the file as text, and re-encoding would change bytes of other modules' lines.
     */
    private String utf8Lines(byte[] data, String file) {
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            return decoder.decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            int line = 1;
            int start = 0;
            for (int i = 0; i < data.length; i++) {
                if (data[i] == '\n') {
                    try {
                        decoder.reset().decode(ByteBuffer.wrap(data, start, i - start));
                    } catch (CharacterCodingException bad) {
                        break;
                    }
                    line++;
                    start = i + 1;
                }
            }
            int end = start;
            while (end < data.length && data[end] != '\n') {
                end++;
            }
            byte[] bad = java.util.Arrays.copyOfRange(data, start, end);
            throw broken(file + " line " + line + ": bytes that are not UTF-8 (" + printable(bad) + "); kmod4j "
                    + "edits this file as UTF-8 text");
        }
    }

    private FixtureException broken(String what) {
        return new FixtureException("fixture " + tree.root() + ": " + what + "; nothing was changed");
    }

    /** Bytes for a message: printable ASCII as is, the rest as \xNN, at most 60 bytes. */
    static String printable(byte[] b) {
        StringBuilder s = new StringBuilder("'");
        for (int i = 0; i < b.length && i < 60; i++) {
            int c = b[i] & 0xff;
            if (c >= 0x20 && c < 0x7f && c != '\\') {
                s.append((char) c);
            } else if (c == '\n') {
                s.append("\\n");
            } else {
                s.append(String.format("\\x%02x", c));
            }
        }
        return s.append(b.length > 60 ? "'..." : "'").toString();
    }

    /** A message with control characters as \xNN (a message may quote a line of a binary file). */
    static String printable(String text) {
        StringBuilder s = new StringBuilder();
        text.codePoints().limit(400).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                s.append(String.format("\\x%02x", c));
            } else {
                s.appendCodePoint(c);
            }
        });
        return s.toString();
    }

    private static List<String> users(String column) {
        if (column.equals("-") || column.isEmpty()) {
            return List.of();
        }
        String body = column.endsWith(",") ? column.substring(0, column.length() - 1) : column;
        return List.of(body.split(","));
    }

    @Override
    public String toString() {
        return "emulated delete_module on " + tree.root();
    }
}
