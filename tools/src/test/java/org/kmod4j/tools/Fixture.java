package org.kmod4j.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A fake root for the tools: {@code proc/modules}, {@code sys/module/NAME/...} and {@code lib/modules/RELEASE/...},
 * the release being this machine's {@code uname -r} (what kmod uses). {@code sys/module} always exists.
 */
final class Fixture {
    final Path root;
    private final List<String> procLines = new ArrayList<>();
    private boolean procModules = true;

    Fixture(Path root) {
        this.root = root;
        mkdirs(root.resolve("sys/module"));
        mkdirs(root.resolve("proc"));
        writeProc();
    }

    private Fixture(Path root, List<String> procLines, boolean procModules) {
        this.root = root;
        this.procLines.addAll(procLines);
        this.procModules = procModules;
    }

    /**
     * A copy of the whole tree at {@code dest} (symbolic links copied as links, directories created in the source's
     * readdir order, so both copies of a side-by-side run list {@code holders/} in the same order).
     */
    Fixture copyTo(Path dest) {
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                Path target = dest.resolve(root.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Fixture(dest, procLines, procModules);
    }

    static String release() {
        return System.getProperty("os.version");
    }

    /** A module as a modern kernel shows it: its /proc/modules line and its sysfs directory. */
    Fixture inState(String state, String name, long size, int refcnt, String... holders) {
        StringBuilder users = new StringBuilder();
        for (String h : holders) {
            users.append(h).append(',');
        }
        String procState = switch (state) {
            case "live" -> "Live";
            case "coming" -> "Loading";
            case "going" -> "Unloading";
            default -> "Live";
        };
        procLine(name + " " + size + " " + refcnt + " " + (users.isEmpty() ? "-" : users) + " " + procState
                + " 0xffffffffc0a00000");
        Module m = sysfs(name).initstate(state + "\n").refcnt(refcnt + "\n").coresize(size + "\n").holders(holders);
        m.file("taint", "\n");
        return this;
    }

    Fixture loaded(String name, long size, int refcnt, String... holders) {
        return inState("live", name, size, refcnt, holders);
    }

    /** Appends a raw line (without newline) to proc/modules. */
    Fixture procLine(String line) {
        procLines.add(line);
        writeProc();
        return this;
    }

    /** Replaces proc/modules with exact content. */
    Fixture procModulesText(String text) {
        procLines.clear();
        procModules = true;
        write(root.resolve("proc/modules"), text);
        return this;
    }

    /** No proc/modules at all (a kernel without module support). */
    Fixture noProcModules() {
        procModules = false;
        try {
            Files.deleteIfExists(root.resolve("proc/modules"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private void writeProc() {
        if (!procModules) {
            return;
        }
        StringBuilder text = new StringBuilder();
        procLines.forEach(l -> text.append(l).append('\n'));
        write(root.resolve("proc/modules"), text.toString());
    }

    /** The sysfs directory of a module (created empty). */
    Module sysfs(String name) {
        Path dir = root.resolve("sys/module").resolve(name);
        mkdirs(dir);
        return new Module(dir);
    }

    /** A file under the root. */
    Fixture file(String relative, String content) {
        Path p = root.resolve(relative);
        mkdirs(p.getParent());
        write(p, content);
        return this;
    }

    /**
     * {@code lib/modules/RELEASE/modules.builtin} with these paths, indexed by the real {@code depmod} into
     * {@code modules.builtin.bin}; false when depmod is missing or fails.
     */
    boolean builtin(String... paths) {
        builtinList(paths);
        return depmod();
    }

    /** {@code lib/modules/RELEASE/modules.builtin} with these paths (indexed by the next {@link #depmod()}). */
    Fixture builtinList(String... paths) {
        Path dir = root.resolve("lib/modules").resolve(release());
        mkdirs(dir);
        write(dir.resolve("modules.builtin"), String.join("\n", paths) + "\n");
        return this;
    }

    /** The module directory {@code lib/modules/RELEASE}. */
    Path moduleDir() {
        return root.resolve("lib/modules").resolve(release());
    }

    /**
     * A fake module {@code lib/modules/RELEASE/PATH}: a tiny ELF relocatable made by gcc, with a {@code .modinfo}
     * section holding {@code modinfo} ("alias=...", "softdep=pre: a post: b", ...), the symbols {@code exports} listed
     * in {@code __ksymtab_strings} (and defined), and undefined references to {@code uses}: what the real depmod reads
     * to write modules.dep, modules.alias, modules.symbols and modules.softdep. Compiled objects are cached in
     * target/kmod-peer/ko.
     *
     * @throws IllegalStateException when gcc is missing or fails
     */
    Fixture ko(String path, List<String> exports, List<String> uses, String... modinfo) {
        StringBuilder c = new StringBuilder();
        StringBuilder info = new StringBuilder("license=GPL\\0");
        for (String m : modinfo) {
            info.append(m.replace("\\", "\\\\").replace("\"", "\\\"")).append("\\0");
        }
        c.append("static const char kmod4j_modinfo[] __attribute__((section(\".modinfo\"), used, aligned(1))) = \"")
                .append(info).append("\";\n");
        if (!exports.isEmpty()) {
            c.append("static const char kmod4j_ksymtab_strings[] __attribute__((section(\"__ksymtab_strings\"), used, "
                    + "aligned(1))) = \"");
            for (String e : exports) {
                c.append(e).append("\\0");
            }
            c.append("\";\n");
            for (String e : exports) {
                c.append("int ").append(e).append(";\n");
            }
        }
        if (!uses.isEmpty()) {
            for (String u : uses) {
                c.append("extern int ").append(u).append(";\n");
            }
            c.append("int *kmod4j_uses[] = {");
            for (String u : uses) {
                c.append(" &").append(u).append(",");
            }
            c.append(" 0 };\n");
        }
        Path object = compile(c.toString());
        Path target = moduleDir().resolve(path);
        mkdirs(target.getParent());
        try {
            Files.copy(object, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    private static final Path KO_CACHE = Path.of("target", "kmod-peer", "ko").toAbsolutePath();

    private static Path compile(String source) {
        String key;
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(source.getBytes());
            key = java.util.HexFormat.of().formatHex(digest, 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Path object = KO_CACHE.resolve(key + ".o");
        if (Files.isRegularFile(object)) {
            return object;
        }
        mkdirs(KO_CACHE);
        Path c = KO_CACHE.resolve(key + ".c");
        Path tmp = KO_CACHE.resolve(key + "." + ProcessHandle.current().pid() + ".tmp.o");
        write(c, source);
        try {
            Process p = new ProcessBuilder("gcc", "-c", "-O0", "-o", tmp.toString(), c.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("gcc failed on " + c + ": " + out);
            }
            Files.move(tmp, object, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new IllegalStateException("gcc cannot run: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return object;
    }

    /** Whether gcc and depmod are here, to make fake modules and their indexes. */
    static boolean canBuildModules() {
        return Files.isExecutable(Path.of("/usr/bin/gcc"))
                && (Files.isExecutable(Path.of("/usr/sbin/depmod")) || Files.isExecutable(Path.of("/sbin/depmod")));
    }

    /** Runs the real {@code depmod -b ROOT RELEASE}: the indexes of lib/modules/RELEASE; false when it fails. */
    boolean depmod() {
        Path dir = moduleDir();
        mkdirs(dir);
        for (String depmod : new String[] {"/usr/sbin/depmod", "/sbin/depmod"}) {
            if (Files.isExecutable(Path.of(depmod))) {
                try {
                    Process p = new ProcessBuilder(depmod, "-b", root.toString(), release())
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0
                            && Files.isRegularFile(dir.resolve("modules.dep.bin"));
                } catch (IOException e) {
                    return false;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    String read(String relative) {
        try {
            return Files.readString(root.resolve(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A module's sysfs directory. */
    static final class Module {
        final Path dir;

        Module(Path dir) {
            this.dir = dir;
        }

        Module initstate(String content) {
            return file("initstate", content);
        }

        Module refcnt(String content) {
            return file("refcnt", content);
        }

        Module coresize(String content) {
            return file("coresize", content);
        }

        /** holders/ with one symbolic link per holder, created in this order (as the kernel's links). */
        Module holders(String... names) {
            Path holders = dir.resolve("holders");
            mkdirs(holders);
            for (String n : names) {
                try {
                    Files.createSymbolicLink(holders.resolve(n), Path.of("../../" + n));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return this;
        }

        Module file(String name, String content) {
            write(dir.resolve(name), content);
            return this;
        }

        Module dir(String name) {
            mkdirs(dir.resolve(name));
            return this;
        }
    }

    private static void mkdirs(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path p, String content) {
        try {
            Files.writeString(p, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
