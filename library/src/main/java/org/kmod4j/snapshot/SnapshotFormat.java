package org.kmod4j.snapshot;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.kmod4j.api.BadInputException;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.HostKernel;
import org.kmod4j.host.ProcModules;

/**
 * Taking, writing and reading snapshots (docs/snapshot-format.md). A snapshot file is UTF-8 text: a first line
 * {@code kmod4j-snapshot 1}, header lines, then records of paths ({@code text}, {@code base64}, {@code dir},
 * {@code exists}) and a last line {@code end}.
 */
public final class SnapshotFormat {
    private SnapshotFormat() {
    }

    /** The largest snapshot read: a real host's is a few MiB (its module indexes). */
    public static final long MAX_SIZE = 256L << 20;

    /** The sysfs attributes recorded for each loaded module. */
    public static final List<String> ATTRIBUTES = List.of("refcnt", "initstate", "taint", "coresize");

    /** The files of the module directory kmod reads when removing: its binary indexes and modules.softdep. */
    public static final List<String> MODULE_DIRECTORY_FILES = List.of("modules.dep.bin", "modules.alias.bin",
            "modules.symbols.bin", "modules.builtin.bin", "modules.builtin.alias.bin", "modules.softdep");

    /** libkmod's configuration paths. */
    public static final List<String> CONFIG_PATHS = List.of("/etc/modprobe.d", "/run/modprobe.d",
            "/usr/local/lib/modprobe.d", "/lib/modprobe.d");

    // ---- taking -------------------------------------------------------------------------------------------------

    /**
     * The state of the machine ({@code root} {@code /}) or a fixture tree. Reads only: nothing is changed and no
     * privilege is needed beyond reading the files.
     *
     * @throws BadInputException when {@code /proc/modules} cannot be read or parsed, or a fixture path leads out of it
     */
    public static Snapshot capture(Path root) {
        HostKernel host = new HostKernel(root, (name, flags) -> {
            throw new IllegalStateException("a snapshot never removes modules");
        });
        Map<String, Snapshot.Entry> entries = new LinkedHashMap<>();
        String release = host.release();
        byte[] procModules = read(host, ProcModules.PATH);
        if (procModules == null) {
            throw new SnapshotException(where(host, ProcModules.PATH) + ": cannot be read (no module support?)");
        }
        entries.put(ProcModules.PATH, new Snapshot.FileEntry(procModules));
        List<LoadedModule> modules;
        try {
            modules = ProcModules.parse(new String(procModules, StandardCharsets.UTF_8), where(host, ProcModules.PATH));
        } catch (ViewException e) {
            throw new SnapshotException(e.getMessage());
        }
        long tainted = number(read(host, "/proc/sys/kernel/tainted"));
        boolean disabled = number(read(host, "/proc/sys/kernel/modules_disabled")) == 1;
        for (LoadedModule m : modules) {
            String dir = "/sys/module/" + m.name().value();
            for (String attribute : ATTRIBUTES) {
                byte[] value = read(host, dir + "/" + attribute);
                if (value != null) {
                    entries.put(dir + "/" + attribute, new Snapshot.FileEntry(value));
                }
            }
            try {
                // in the order the kernel (or the fixture's file system) lists them: lsmod prints that order
                entries.put(dir + "/holders", new Snapshot.DirEntry(host.listDirectory(dir + "/holders")));
            } catch (ViewException e) {
                // no holders directory
            }
        }
        String moduleDir = "/lib/modules/" + release;
        for (String f : MODULE_DIRECTORY_FILES) {
            byte[] data = read(host, moduleDir + "/" + f);
            if (data != null) {
                entries.put(moduleDir + "/" + f, new Snapshot.FileEntry(data));
            }
        }
        for (String file : moduleFiles(host, moduleDir)) {
            entries.put(file, new Snapshot.Exists());
        }
        for (String c : CONFIG_PATHS) {
            List<String> names = list(host, c);
            if (names != null) {
                entries.put(c, new Snapshot.DirEntry(names));
                for (String n : names) {
                    byte[] data = read(host, c + "/" + n);
                    if (data != null) {
                        entries.put(c + "/" + n, new Snapshot.FileEntry(data));
                    }
                }
            } else {
                byte[] data = read(host, c);
                if (data != null) {
                    entries.put(c, new Snapshot.FileEntry(data));
                }
            }
        }
        return new Snapshot(release, tainted, disabled, host.isRealRoot() ? "/" : host.root().toString(), entries);
    }

    private static String where(HostKernel host, String path) {
        return host.isRealRoot() ? path : host.root() + path;
    }

    /** A regular file's bytes, or null when it is missing, not a regular file or unreadable. */
    private static byte[] read(HostKernel host, String path) {
        Path p = host.resolve(path);
        if (p == null || !Files.isRegularFile(p)) {
            return null;
        }
        try (InputStream in = Files.newInputStream(p)) {
            return in.readNBytes(64 << 20);
        } catch (IOException e) {
            return null;
        }
    }

    /** A directory's entry names, sorted, or null when it is not a directory. */
    private static List<String> list(HostKernel host, String path) {
        Path p = host.resolve(path);
        if (p == null || !Files.isDirectory(p)) {
            return null;
        }
        try (Stream<Path> s = Files.list(p)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return null;
        }
    }

    /** The module files ({@code *.ko}, compressed too) under the module directory, without following links. */
    private static List<String> moduleFiles(HostKernel host, String moduleDir) {
        Path dir = host.resolve(moduleDir);
        List<String> out = new ArrayList<>();
        if (dir == null || !Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> p.getFileName().toString().matches(".*\\.ko(\\.(xz|zst|gz))?"))
                    .forEach(p -> out.add(moduleDir + "/" + dir.relativize(p).toString()));
        } catch (IOException | java.io.UncheckedIOException e) {
            // an unreadable subdirectory: its modules are left out
        }
        out.sort(null);
        return out;
    }

    private static long number(byte[] data) {
        if (data == null) {
            return 0;
        }
        try {
            return Long.parseLong(new String(data, StandardCharsets.US_ASCII).strip());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ---- writing ------------------------------------------------------------------------------------------------

    /** The snapshot as the text of a snapshot file. */
    public static String write(Snapshot s) {
        StringBuilder out = new StringBuilder();
        out.append(Snapshot.MAGIC).append(' ').append(Snapshot.VERSION).append('\n');
        out.append("# kmod4j module state; docs/snapshot-format.md. Read with --sim FILE.\n");
        if (s.source() != null) {
            out.append("source ").append(oneLine(s.source())).append('\n');
        }
        out.append("release ").append(s.release()).append('\n');
        out.append("tainted ").append(s.tainted()).append('\n');
        out.append("modules_disabled ").append(s.modulesDisabled() ? 1 : 0).append('\n');
        for (Map.Entry<String, Snapshot.Entry> e : s.entries().entrySet()) {
            String path = e.getKey();
            switch (e.getValue()) {
                case Snapshot.FileEntry f -> {
                    String text = asText(f.content());
                    if (text != null) {
                        String[] lines = text.isEmpty() ? new String[0] : text.split("\n", -1);
                        int n = text.isEmpty() ? 0 : lines.length - 1;
                        out.append("text ").append(path).append(' ').append(n).append('\n');
                        for (int i = 0; i < n; i++) {
                            out.append('|').append(lines[i]).append('\n');
                        }
                    } else {
                        String b64 = Base64.getEncoder().encodeToString(f.content());
                        int n = (b64.length() + 75) / 76;
                        out.append("base64 ").append(path).append(' ').append(n).append('\n');
                        for (int i = 0; i < n; i++) {
                            out.append('|').append(b64, i * 76, Math.min(b64.length(), (i + 1) * 76)).append('\n');
                        }
                    }
                }
                case Snapshot.DirEntry d -> {
                    out.append("dir ").append(path).append(' ').append(d.names().size()).append('\n');
                    for (String n : d.names()) {
                        out.append('|').append(n).append('\n');
                    }
                }
                case Snapshot.Exists x -> out.append("exists ").append(path).append('\n');
            }
        }
        out.append("end\n");
        return out.toString();
    }

    private static String oneLine(String s) {
        return s.replace('\n', '?').replace('\r', '?');
    }

    /** The content as text when it is UTF-8 of whole lines (empty, or ending with a newline), else null. */
    private static String asText(byte[] data) {
        if (data.length > 0 && data[data.length - 1] != '\n') {
            return null;
        }
        try {
            String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
            return s.indexOf('\0') >= 0 ? null : s;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ---- reading ------------------------------------------------------------------------------------------------

    /** Whether {@code file} starts like a snapshot (its first line names the format); false when unreadable. */
    public static boolean isSnapshot(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(Snapshot.MAGIC.length() + 1);
            return new String(head, StandardCharsets.US_ASCII).equals(Snapshot.MAGIC + " ");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads a snapshot file.
     *
     * @throws SnapshotException naming the file and line of what is wrong
     */
    public static Snapshot read(Path file) {
        String shown = BadInputException.printable(file.toString());
        byte[] data;
        try {
            if (Files.size(file) > MAX_SIZE) {
                throw new SnapshotException(shown + ": larger than " + (MAX_SIZE >> 20) + " MiB, not a snapshot");
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SnapshotException(shown + ": No such file or directory");
        } catch (IOException e) {
            throw new SnapshotException(shown + ": cannot read it: " + e.getMessage());
        }
        return parse(data, shown);
    }

    /**
     * Parses a snapshot's bytes.
     *
     * @param name the file as messages name it
     * @throws SnapshotException naming {@code name} and the line of what is wrong
     */
    public static Snapshot parse(byte[] data, String name) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(data)).toString();
        } catch (CharacterCodingException e) {
            throw new SnapshotException(name + ": not UTF-8 text; not a kmod4j snapshot");
        }
        return new Parser(name, text).parse();
    }

    private static final class Parser {
        private final String name;
        private final String[] lines;
        private int at;

        Parser(String name, String text) {
            this.name = name;
            String[] l = text.split("\n", -1);
            this.lines = text.endsWith("\n") ? java.util.Arrays.copyOf(l, l.length - 1) : l;
        }

        private SnapshotException error(int line, String what) {
            return new SnapshotException(name + ":" + line + ": " + what);
        }

        Snapshot parse() {
            if (lines.length == 0 || !lines[0].startsWith(Snapshot.MAGIC + " ")) {
                throw error(1, "not a kmod4j snapshot (the first line must be '" + Snapshot.MAGIC + " "
                        + Snapshot.VERSION + "')");
            }
            String version = lines[0].substring(Snapshot.MAGIC.length() + 1);
            if (!version.equals(Integer.toString(Snapshot.VERSION))) {
                throw error(1, "snapshot format version '" + BadInputException.printable(version)
                        + "' is not supported (this kmod4j reads version " + Snapshot.VERSION + ")");
            }
            String release = null;
            String source = null;
            Long tainted = null;
            Boolean disabled = null;
            int procModulesLine = 0;
            boolean ended = false;
            Map<String, Snapshot.Entry> entries = new LinkedHashMap<>();
            at = 1;
            while (at < lines.length) {
                int lineNo = at + 1;
                String line = lines[at++];
                if (ended) {
                    throw error(lineNo, "text after 'end'");
                }
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                int sp = line.indexOf(' ');
                String keyword = sp < 0 ? line : line.substring(0, sp);
                String rest = sp < 0 ? "" : line.substring(sp + 1);
                switch (keyword) {
                    case "end" -> ended = true;
                    case "source" -> source = rest;
                    case "release" -> {
                        if (rest.isEmpty() || rest.contains("/") || rest.equals(".") || rest.equals("..")
                                || rest.contains(" ")) {
                            throw error(lineNo, "release '" + BadInputException.printable(rest)
                                    + "' is not a kernel release (a directory name under /lib/modules)");
                        }
                        release = rest;
                    }
                    case "tainted" -> tainted = number(lineNo, rest, Long.MAX_VALUE, "tainted");
                    case "modules_disabled" -> disabled = number(lineNo, rest, 1, "modules_disabled") == 1;
                    case "text", "base64", "dir" -> {
                        int sp2 = rest.lastIndexOf(' ');
                        if (sp2 < 0) {
                            throw error(lineNo, "expected '" + keyword + " PATH COUNT'");
                        }
                        String path = path(lineNo, rest.substring(0, sp2));
                        int count = (int) number(lineNo, rest.substring(sp2 + 1), Integer.MAX_VALUE, "line count");
                        List<String> body = body(lineNo, count, path);
                        Snapshot.Entry entry = switch (keyword) {
                            case "text" -> {
                                StringBuilder b = new StringBuilder();
                                body.forEach(s -> b.append(s).append('\n'));
                                yield new Snapshot.FileEntry(b.toString().getBytes(StandardCharsets.UTF_8));
                            }
                            case "base64" -> {
                                try {
                                    yield new Snapshot.FileEntry(Base64.getDecoder().decode(String.join("", body)));
                                } catch (IllegalArgumentException e) {
                                    throw error(lineNo, path + ": bad base64 content (" + e.getMessage() + ")");
                                }
                            }
                            default -> {
                                for (int i = 0; i < body.size(); i++) {
                                    String n = body.get(i);
                                    if (n.isEmpty() || n.contains("/") || n.equals(".") || n.equals("..")) {
                                        throw error(lineNo + 1 + i, "'" + BadInputException.printable(n)
                                                + "' is not a directory entry name");
                                    }
                                }
                                yield new Snapshot.DirEntry(body);
                            }
                        };
                        put(entries, lineNo, path, entry);
                        if (path.equals(ProcModules.PATH)) {
                            procModulesLine = lineNo;
                        }
                    }
                    case "exists" -> put(entries, lineNo, path(lineNo, rest), new Snapshot.Exists());
                    default -> throw error(lineNo, "unknown record '" + BadInputException.printable(keyword)
                            + "' (expected release, tainted, modules_disabled, text, base64, dir, exists or end)");
                }
            }
            int last = lines.length;
            if (!ended) {
                throw error(last, "truncated: the snapshot does not end with the line 'end'");
            }
            if (release == null || tainted == null || disabled == null) {
                throw error(last, "missing header line '" + (release == null ? "release"
                        : tainted == null ? "tainted" : "modules_disabled") + "'");
            }
            if (procModulesLine == 0 || !(entries.get(ProcModules.PATH) instanceof Snapshot.FileEntry pm)) {
                throw error(last, "no 'text /proc/modules' record");
            }
            // the module list is checked line by line here, so that an error names the snapshot's own line
            String[] pmLines = new String(pm.content(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < pmLines.length; i++) {
                if (pmLines[i].isEmpty() && pmLines.length == 1) {
                    break;
                }
                try {
                    ProcModules.parseLine(pmLines[i]);
                } catch (IllegalArgumentException e) {
                    throw error(procModulesLine + 1 + i, "/proc/modules: malformed line \""
                            + BadInputException.printable(pmLines[i]) + "\" (" + e.getMessage() + ")");
                }
            }
            try {
                return new Snapshot(release, tainted, disabled, source, entries);
            } catch (SnapshotException e) {
                throw error(procModulesLine, e.getMessage());
            }
        }

        private void put(Map<String, Snapshot.Entry> entries, int lineNo, String path, Snapshot.Entry e) {
            if (entries.putIfAbsent(path, e) != null) {
                throw error(lineNo, path + " is recorded twice");
            }
        }

        private List<String> body(int lineNo, int count, String path) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                if (at >= lines.length) {
                    throw error(lineNo, "truncated: " + path + " announces " + count + " lines, the file ends after "
                            + i);
                }
                String l = lines[at++];
                if (!l.startsWith("|")) {
                    throw error(at, path + ": content line " + (i + 1) + " of " + count
                            + " does not start with '|' (wrong line count?)");
                }
                out.add(l.substring(1));
            }
            return out;
        }

        private String path(int lineNo, String p) {
            if (!p.startsWith("/") || p.contains("\0") || p.contains("//") || p.endsWith("/") && p.length() > 1) {
                throw error(lineNo, "'" + BadInputException.printable(p) + "' is not an absolute normalized path");
            }
            for (String part : p.substring(1).split("/")) {
                if (part.equals(".") || part.equals("..")) {
                    throw error(lineNo, "'" + BadInputException.printable(p) + "' has a . or .. component");
                }
            }
            return p;
        }

        private long number(int lineNo, String s, long max, String what) {
            try {
                long v = Long.parseLong(s);
                if (v < 0 || v > max) {
                    throw new NumberFormatException();
                }
                return v;
            } catch (NumberFormatException e) {
                throw error(lineNo, what + ": '" + BadInputException.printable(s) + "' is not a number from 0 to "
                        + max);
            }
        }
    }
}
