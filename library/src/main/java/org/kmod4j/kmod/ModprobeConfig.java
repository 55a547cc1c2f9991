package org.kmod4j.kmod;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.BadInputException;
import org.kmod4j.libc.CText;
import org.kmod4j.libc.Fnmatch;
import org.kmod4j.libc.Strerror;

/**
 * The modprobe configuration as libkmod 30 reads it ({@code libkmod/libkmod-config.c}, {@code kmod_config_new()}):
 * {@code DIRNAME/modules.softdep} and the {@code *.conf}/{@code *.alias} files of the configuration paths, all sorted
 * together by file name (a name seen in an earlier path hides the same name in later ones), each parsed line by line.
 *
 * <p>Only the {@code alias}, {@code install}, {@code remove} and {@code softdep} entries matter to removal; the others
 * ({@code blacklist}, {@code options}) are checked for syntax, so that a bad line gets libkmod's message, and kept
 * for completeness. Messages go to libkmod's default logger (the tools install theirs only after {@code kmod_new()}).
 * The kernel command line ({@code modprobe.blacklist=}, {@code MOD.PARAM=}) is not read: it only yields blacklist
 * and options entries.
 */
public final class ModprobeConfig {
    /** {@code alias PATTERN MODNAME} (both already with {@code -} turned into {@code _} outside brackets). */
    public record Alias(String pattern, String modname) {
    }

    /** {@code install|remove MODNAME COMMAND...} ({@code options MODNAME OPTIONS...} uses it too). */
    public record Command(String modname, String command) {
    }

    /** {@code softdep PATTERN pre: A B post: C D}. */
    public record Softdep(String pattern, List<String> pre, List<String> post) {
    }

    /** A configuration path as libkmod names it in messages, and the file or directory behind it (null: none). */
    public record Source(String name, Path file) {
    }

    /**
     * The largest configuration file read. libkmod reads any size; kmod4j refuses a file bigger than this (with its
     * name, before anything is removed) rather than exhausting memory on something that is not a configuration file.
     * Within the bound, lines of any length are read, as libkmod's {@code freadline_wrapped()} does.
     */
    public static final int MAX_FILE_SIZE = 16 << 20;

    public final List<Alias> aliases = new ArrayList<>();
    public final List<String> blacklists = new ArrayList<>();
    public final List<Command> options = new ArrayList<>();
    public final List<Command> installCommands = new ArrayList<>();
    public final List<Command> removeCommands = new ArrayList<>();
    public final List<Softdep> softdeps = new ArrayList<>();
    /** The files read, in order (for --json). */
    public final List<String> files = new ArrayList<>();

    private final KmodLog log;

    private ModprobeConfig(KmodLog log) {
        this.log = log;
    }

    /** One file to parse: its name for messages and, unless it is the module directory's, the real file. */
    private record ConfFile(String name, String fullName, Path file, byte[] content) {
    }

    /**
     * {@code kmod_config_new()}.
     *
     * @param dirname  the module directory's name ({@code modules.softdep} is read as {@code DIRNAME/modules.softdep})
     * @param softdep  that file's bytes, or null when it cannot be opened
     * @param paths    the configuration paths in priority order (directories or single files)
     */
    public static ModprobeConfig load(String dirname, byte[] softdep, List<Source> paths, KmodLog log) {
        ModprobeConfig config = new ModprobeConfig(log);
        List<ConfFile> list = new ArrayList<>();
        insertSorted(list, new ConfFile("modules.softdep", dirname + "/modules.softdep", null, softdep));
        for (Source source : paths) {
            config.list(list, source);
        }
        for (ConfFile cf : list) {
            byte[] content = cf.content();
            if (cf.file() != null) {
                try {
                    content = IndexFile.readBounded(cf.file(), MAX_FILE_SIZE);
                } catch (IndexFile.TooLargeException e) {
                    throw new BadInputException(cf.fullName() + ": larger than " + (MAX_FILE_SIZE >> 20)
                            + " MiB, not read (a configuration file is a few KiB)");
                } catch (IOException | RuntimeException e) {
                    content = null; // open() failed: skipped silently
                }
            }
            if (content != null) {
                config.files.add(cf.fullName());
                config.parse(content, cf.fullName());
            }
        }
        return config;
    }

    /** {@code conf_files_insert_sorted()}: by name (strcmp), a duplicate name is dropped. */
    private static void insertSorted(List<ConfFile> list, ConfFile cf) {
        byte[] name = cf.name().getBytes(StandardCharsets.UTF_8);
        int i = 0;
        for (; i < list.size(); i++) {
            int cmp = compare(name, list.get(i).name().getBytes(StandardCharsets.UTF_8));
            if (cmp == 0) {
                return;
            }
            if (cmp < 0) {
                break;
            }
        }
        list.add(i, cf);
    }

    private static int compare(byte[] a, byte[] b) {
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            int d = (a[i] & 0xff) - (b[i] & 0xff);
            if (d != 0) {
                return d;
            }
        }
        return a.length - b.length;
    }

    /** {@code conf_files_list()}. */
    private void list(List<ConfFile> list, Source source) {
        Path p = source.file();
        if (p == null || !Files.exists(p)) {
            return; // stat() failed: only a debug message
        }
        if (!Files.isDirectory(p)) {
            String name = source.name();
            insertSorted(list, new ConfFile(name.substring(name.lastIndexOf('/') + 1), name, p, null));
            return;
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> dir = Files.newDirectoryStream(p)) {
            for (Path entry : dir) {
                entries.add(entry);
            }
        } catch (IOException | RuntimeException e) {
            String reason = e instanceof IOException io ? Strerror.text(errnoOf(io)) : String.valueOf(e.getMessage());
            log.log(KmodLog.LOG_ERR, "conf_files_list", "opendir(" + source.name() + "): " + reason + "\n");
            return;
        }
        for (Path entry : entries) {
            String fn = entry.getFileName().toString();
            int len = fn.getBytes(StandardCharsets.UTF_8).length;
            if (fn.startsWith(".") || len < 6 || (!fn.endsWith(".conf") && !fn.endsWith(".alias"))) {
                continue;
            }
            if (Files.isDirectory(entry)) {
                log.log(KmodLog.LOG_ERR, "conf_files_filter_out",
                        "Directories inside directories are not supported: " + source.name() + "/" + fn + "\n");
                continue;
            }
            insertSorted(list, new ConfFile(fn, source.name() + "/" + fn, entry, null));
        }
    }

    private static int errnoOf(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return 13;
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return 2;
        }
        if (e instanceof java.nio.file.NotDirectoryException) {
            return 20;
        }
        return 5; // EIO
    }

    /**
     * {@code freadline_wrapped()}: lines end at {@code \n}; a backslash-newline joins two lines (and counts both for
     * line numbers); a backslash before anything else is dropped and the character kept.
     */
    private static final class Lines {
        private final byte[] data;
        private int pos;
        public int lineno;

        public Lines(byte[] data) {
            this.data = data;
        }

        public byte[] next() {
            java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
            int n = 0;
            while (true) {
                int ch = pos < data.length ? data[pos++] & 0xff : -1;
                if (ch == -1 && buf.size() == 0) {
                    return null;
                }
                if (ch == -1 || ch == '\n') {
                    n++;
                    lineno += n;
                    return buf.toByteArray();
                }
                if (ch == '\\') {
                    ch = pos < data.length ? data[pos++] & 0xff : -1;
                    if (ch == '\n') {
                        n++;
                        continue;
                    }
                    if (ch == -1) {
                        ch = 0xff; // (char) EOF
                    }
                }
                buf.write(ch);
            }
        }
    }

    /** {@code kmod_config_parse()}. */
    private void parse(byte[] content, String filename) {
        Lines lines = new Lines(content);
        byte[] line;
        while ((line = lines.next()) != null) {
            int len = CText.strlen(line);
            if (len == 0 || line[0] == '#') {
                continue;
            }
            CText.Strtok tok = new CText.Strtok(line, "\t ");
            String cmd = tok.next();
            if (cmd == null) {
                continue;
            }
            boolean ok;
            switch (cmd) {
                case "alias" -> {
                    String alias = underscores(tok.next());
                    String modname = alias == null ? null : underscores(tok.next());
                    ok = alias != null && modname != null;
                    if (ok) {
                        aliases.add(new Alias(alias, modname));
                    }
                }
                case "blacklist" -> {
                    String modname = underscores(tok.next());
                    ok = modname != null;
                    if (ok) {
                        blacklists.add(modname);
                    }
                }
                case "options", "install", "remove", "softdep" -> {
                    String modname = underscores(tok.next());
                    String rest = tok.rest();
                    ok = modname != null && rest != null;
                    if (ok) {
                        switch (cmd) {
                            case "options" -> options.add(new Command(modname, rest.replace('\t', ' ')));
                            case "install" -> installCommands.add(new Command(modname, rest));
                            case "remove" -> removeCommands.add(new Command(modname, rest));
                            default -> softdeps.add(softdep(modname, rest));
                        }
                    }
                }
                case "include", "config" -> {
                    log.log(KmodLog.LOG_ERR, "kmod_config_parse",
                            filename + ": command " + cmd + " is deprecated and not parsed anymore\n");
                    ok = true;
                }
                default -> ok = false;
            }
            if (!ok) {
                log.log(KmodLog.LOG_ERR, "kmod_config_parse",
                        filename + " line " + lines.lineno + ": ignoring bad line starting with '" + cmd + "'\n");
            }
        }
    }

    /**
     * {@code underscores()}: {@code -} becomes {@code _} outside {@code [...]}; null for a missing token, a stray
     * {@code ]} or an unterminated {@code [}.
     */
    public static String underscores(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '-' -> out.append('_');
                case ']' -> {
                    return null;
                }
                case '[' -> {
                    int close = s.indexOf(']', i);
                    if (close < 0) {
                        return null;
                    }
                    out.append(s, i, close + 1);
                    i = close;
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** {@code kmod_config_add_softdep()}: white-space separated words; {@code pre:} and {@code post:} switch lists. */
    private static Softdep softdep(String modname, String line) {
        List<String> pre = new ArrayList<>();
        List<String> post = new ArrayList<>();
        List<String> current = null;
        for (String word : words(line)) {
            if (word.equals("pre:")) {
                current = pre;
            } else if (word.equals("post:")) {
                current = post;
            } else if (current != null) {
                current.add(word);
            }
        }
        return new Softdep(modname, List.copyOf(pre), List.copyOf(post));
    }

    /** Words separated by C {@code isspace()} characters. */
    private static List<String> words(String line) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < line.length()) {
            while (i < line.length() && CText.isSpace(line.charAt(i))) {
                i++;
            }
            int start = i;
            while (i < line.length() && !CText.isSpace(line.charAt(i))) {
                i++;
            }
            if (i > start) {
                out.add(line.substring(start, i));
            }
        }
        return out;
    }

    /** {@code kmod_module_get_softdeps()}: the first softdep whose pattern matches {@code name}, or null. */
    public Softdep softdepFor(String name) {
        for (Softdep s : softdeps) {
            if (Fnmatch.matches(s.pattern(), name)) {
                return s;
            }
        }
        return null;
    }

    /** {@code kmod_module_get_remove_commands()}: the first remove command whose pattern matches, or null. */
    public String removeCommandFor(String name) {
        for (Command c : removeCommands) {
            if (Fnmatch.matches(c.modname(), name)) {
                return c.command();
            }
        }
        return null;
    }
}
