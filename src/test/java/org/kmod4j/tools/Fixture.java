package org.kmod4j.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        Path dir = root.resolve("lib/modules").resolve(release());
        mkdirs(dir);
        write(dir.resolve("modules.builtin"), String.join("\n", paths) + "\n");
        for (String depmod : new String[] {"/usr/sbin/depmod", "/sbin/depmod"}) {
            if (Files.isExecutable(Path.of(depmod))) {
                try {
                    Process p = new ProcessBuilder(depmod, "-b", root.toString(), release())
                            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                    return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0
                            && Files.isRegularFile(dir.resolve("modules.builtin.bin"));
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
