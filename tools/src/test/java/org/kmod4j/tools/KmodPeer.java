package org.kmod4j.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Debian's kmod 30 binaries, run against a {@link Fixture} as root inside a private mount namespace: a tmpfs over
 * {@code /proc} holding a copy of the fixture's {@code proc/} (copied back into the fixture after the run), bind
 * mounts of the fixture's {@code sys/module} and {@code lib/modules} over the real ones, and the fixture's
 * configuration directories ({@code etc/modprobe.d}, {@code run/modprobe.d}, {@code usr/local/lib/modprobe.d},
 * {@code lib/modprobe.d}) over the real ones, or empty ones where the fixture has none. {@code delete_module()} is
 * replaced through LD_PRELOAD by a fake (compiled with gcc on first use) that logs {@code NAME 0xFLAGS} and either
 * fails with ENOSYS or, in emulate mode, applies the kernel's rules to the fixture and removes the module from it as
 * the kernel would (tools/src/test/resources/org/kmod4j/tools/fake_delete_module.c); without gcc, the real syscall is
 * used, which this is only allowed to do on a kernel without module support (ENOSYS for every name).
 */
final class KmodPeer {
    /** One run: standard output, standard error (debug source locations removed), exit status, syscall log. */
    record Run(String out, String err, int status, List<String> calls) {
    }

    private static final Path WORK = Path.of("target", "kmod-peer").toAbsolutePath();
    private static String unavailable;
    private static boolean checked;
    private static Path preload;

    private KmodPeer() {
    }

    /** Why the peer cannot run here, or null when it can. */
    static synchronized String unavailableReason() {
        if (!checked) {
            checked = true;
            unavailable = check();
        }
        return unavailable;
    }

    /** Whether kmod's removal calls are logged (the LD_PRELOAD fake could be built). */
    static synchronized boolean logsSyscalls() {
        return unavailableReason() == null && preload != null;
    }

    private static String check() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return "not Linux";
        }
        try {
            Files.createDirectories(WORK);
            Result id = exec(List.of("id", "-u"), Map.of());
            if (!id.out.strip().equals("0")) {
                return "not root (uid " + id.out.strip() + "): mount namespaces need root";
            }
            if (!Files.isExecutable(Path.of("/usr/bin/kmod")) && !Files.isExecutable(Path.of("/bin/kmod"))) {
                return "kmod is not installed (apt-get install kmod)";
            }
            Result version = exec(List.of("sh", "-c", "kmod --version"), Map.of());
            if (!version.out.startsWith("kmod version 30\n")) {
                return "kmod is not version 30: " + version.out.lines().findFirst().orElse("?");
            }
            Path probe = Files.createTempDirectory(WORK, "probe");
            Result ns = exec(List.of("unshare", "-m", "--propagation", "private", "sh", "-c",
                    "set -e; mount -t tmpfs none \"$1\"; mkdir \"$1/u\" \"$1/w\" \"$1/r\";"
                            + " mount -t overlay overlay -o \"lowerdir=/,upperdir=$1/u,workdir=$1/w\" \"$1/r\";"
                            + " chroot \"$1/r\" true", "sh", probe.toString()), Map.of());
            Files.delete(probe);
            if (ns.status != 0) {
                return "cannot build a private root (unshare -m, tmpfs, overlay of /, chroot): " + ns.err.strip();
            }
            preload = buildPreload();
            if (preload == null && Files.exists(Path.of("/proc/modules"))) {
                return "gcc is missing (no fake delete_module) and this kernel has module support: kmod would reach "
                        + "the real delete_module";
            }
            return null;
        } catch (IOException e) {
            return "cannot run helper commands: " + e.getMessage();
        }
    }

    private static Path buildPreload() throws IOException {
        if (!Files.isExecutable(Path.of("/usr/bin/gcc")) && !Files.isExecutable(Path.of("/usr/bin/cc"))) {
            return null;
        }
        Path source = WORK.resolve("fake_delete_module.c");
        try (InputStream in = KmodPeer.class.getResourceAsStream("fake_delete_module.c")) {
            if (in == null) {
                return null;
            }
            Files.write(source, in.readAllBytes());
        }
        Path lib = WORK.resolve("fake_delete_module.so");
        String cc = Files.isExecutable(Path.of("/usr/bin/gcc")) ? "/usr/bin/gcc" : "/usr/bin/cc";
        Result r = exec(List.of(cc, "-shared", "-fPIC", "-O2", "-o", lib.toString(), source.toString()), Map.of());
        return r.status == 0 && Files.isRegularFile(lib) ? lib : null;
    }

    /**
     * The private root kmod runs in, built inside a private mount namespace so that nothing on the host is created,
     * changed or even needed (a fresh machine has no {@code /lib/modules} to mount over): a tmpfs under {@link #WORK}
     * holds an overlay whose lower layer is the host's {@code /} (kmod's binary and libraries) and whose upper layer
     * takes every change; over it, the fixture's {@code proc/} copied into a tmpfs {@code /proc} (copied back after
     * the run), the fixture's {@code sys/module} as the only thing under {@code /sys}, its {@code lib/modules} (else
     * an empty one) and its configuration directories ({@code etc/modprobe.d}, {@code run/modprobe.d},
     * {@code usr/local/lib/modprobe.d}, {@code lib/modprobe.d}; empty ones where the fixture has none). The JVM's
     * temporary directory ({@code /tmp}), the fixture, {@link #WORK} (call log, preload library) and the working directory are bound at their
     * own paths, so what the fake {@code delete_module} edits is the fixture itself and the files a test names in
     * kmod's arguments are there. Everything else vanishes with the namespace.
     */
    private static final String SCRIPT = String.join("\n",
            "set -eu",
            "fx=$1; cwd=$2; work=$3; t=$4; tmp=$5; shift 5",
            "mount -t tmpfs kmod4j-peer \"$t\"",
            "mkdir \"$t/upper\" \"$t/work\" \"$t/root\"",
            "r=$t/root",
            "mount -t overlay overlay -o \"lowerdir=/,upperdir=$t/upper,workdir=$t/work\" \"$r\"",
            "mount --rbind /dev \"$r/dev\"",
            "mount -t tmpfs none \"$r/proc\"",
            "cp -a \"$fx/proc/.\" \"$r/proc/\"",
            "mount -t tmpfs none \"$r/sys\"",
            "mkdir \"$r/sys/module\"",
            "mount --bind \"$fx/sys/module\" \"$r/sys/module\"",
            // Each directory: the fixture's when it has one, an empty tmpfs otherwise (the host's never shows).
            "over() { mkdir -p \"$r$1\"; if [ -d \"$fx$1\" ]; then mount --bind \"$fx$1\" \"$r$1\";"
                    + " else mount -t tmpfs none \"$r$1\"; fi; }",
            "over /lib/modules",
            "over /etc/modprobe.d",
            "over /run/modprobe.d",
            "over /usr/local/lib/modprobe.d",
            "over /lib/modprobe.d",
            // The JVM's temporary directory as the host has it (the overlay shows only the root file system, and /tmp
            // is often a tmpfs of its own): tests name files there in kmod's arguments (rmmod PATH, -d DIR, -C FILE).
            "mkdir -p \"$r$tmp\" && mount --rbind \"$tmp\" \"$r$tmp\"",
            "for d in \"$fx\" \"$work\" \"$cwd\"; do [ \"$d\" = / ] || { mkdir -p \"$r$d\"; mount --bind \"$d\" \"$r$d\"; }; done",
            "set +e",
            "chroot \"$r\" sh -c 'cd \"$1\" && shift && if [ -n \"$PEER_PRELOAD\" ]; then export LD_PRELOAD=\"$PEER_PRELOAD\";"
                    + " fi && exec \"$@\"' sh \"$cwd\" \"$@\"",
            "rc=$?",
            "cp -a \"$r/proc/.\" \"$fx/proc/\" 2>/dev/null",
            "exit $rc");

    /** Runs {@code PROG ARGS} (found in /usr/sbin) against the fixture, from {@code cwd}; the fake answers ENOSYS. */
    static Run run(Fixture fixture, Path cwd, String prog, List<String> args) throws IOException {
        return run(fixture, cwd, prog, args, false, Map.of());
    }

    /**
     * Runs {@code PROG ARGS} against the fixture, from {@code cwd}, with {@code env} added to the environment. With
     * {@code emulate} the fake applies the kernel's rules and edits the fixture; otherwise it answers ENOSYS.
     */
    static Run run(Fixture fixture, Path cwd, String prog, List<String> args, boolean emulate, Map<String, String> env)
            throws IOException {
        Path log = Files.createTempFile(WORK, "calls", ".log");
        Path top = Files.createTempDirectory(WORK, "root"); // the private root's mount point; empty on disk
        List<String> command = new ArrayList<>(List.of("unshare", "-m", "--propagation", "private", "sh", "-c", SCRIPT,
                "sh", fixture.root.toString(), cwd.toString(), WORK.toString(), top.toString(),
                Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize().toString(), prog));
        command.addAll(args);
        Map<String, String> e = new java.util.HashMap<>(env);
        e.put("PEER_PRELOAD", preload == null ? "" : preload.toString());
        e.put("KMOD4J_DELETE_LOG", log.toString());
        e.put("KMOD4J_DELETE_MODE", emulate ? "emulate" : "enosys");
        Result r = exec(command, e);
        List<String> calls = Files.readAllLines(log);
        Files.delete(log);
        Files.delete(top);
        return new Run(r.out, normalize(r.err), r.status, calls);
    }

    /**
     * Why kmod 30 cannot be run directly on this host with its real syscall, or null: it needs kmod 30 and a kernel
     * without module support (no /proc/modules), where every delete_module fails with ENOSYS before looking at names.
     */
    static String hostUnavailableReason() {
        if (!System.getProperty("os.name", "").equals("Linux")) {
            return "not Linux";
        }
        if (Files.exists(Path.of("/proc/modules"))) {
            return "this kernel has module support: the tests do not call its real delete_module";
        }
        try {
            Files.createDirectories(WORK);
            Result version = exec(List.of("sh", "-c", "kmod --version"), Map.of());
            return version.out.startsWith("kmod version 30\n") ? null : "kmod 30 is not installed";
        } catch (IOException e) {
            return "cannot run kmod: " + e.getMessage();
        }
    }

    /** Runs {@code PROG ARGS} on the host itself: real /proc, /sys and syscall (see hostUnavailableReason). */
    static Run runOnHost(String prog, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(prog));
        command.addAll(args);
        Result r = exec(command, Map.of());
        return new Run(r.out, normalize(r.err), r.status, List.of());
    }

    private static final Pattern TOOL_DEBUG = Pattern.compile(
            "(?m)^([^:\\n]+): (ERROR|WARNING|NOTICE|INFO|DEBUG|FATAL): \\.\\./[^ \\n]+:\\d+ \\w+\\(\\) ");
    private static final Pattern LIBKMOD_DEBUG = Pattern.compile(
            "(?m)^libkmod: (?:ERROR|WARNING|NOTICE|INFO|DEBUG|CRITICAL|ALERT|EMERGENCY) \\.\\./[^ \\n]+:\\d+ (\\w+): ");

    /** Debian's debug build inserts {@code ../libkmod/FILE.c:LINE FUNC() }; the chosen policy prints without it. */
    static String normalize(String stderr) {
        String s = TOOL_DEBUG.matcher(stderr).replaceAll("$1: $2: ");
        return LIBKMOD_DEBUG.matcher(s).replaceAll("libkmod: $1: ");
    }

    private record Result(String out, String err, int status) {
    }

    /** How long a kmod run may take before it is killed. */
    static final int TIMEOUT_SECONDS = 60;

    /** kmod did not end within {@link #TIMEOUT_SECONDS} and was killed. */
    static final class TimedOut extends IOException {
        TimedOut(List<String> command) {
            super("timed out after " + TIMEOUT_SECONDS + " s: " + command);
        }
    }

    private static Result exec(List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command);
        Map<String, String> e = pb.environment();
        e.remove("KMOD_LOG");
        e.remove("POSIXLY_CORRECT");
        e.remove("MODPROBE_OPTIONS");
        e.remove("LD_PRELOAD");
        e.put("LC_ALL", "C");
        e.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        e.putAll(env);
        Path out = Files.createTempFile(WORK, "out", ".txt");
        Path err = Files.createTempFile(WORK, "err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new TimedOut(command);
            }
            return new Result(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
                    p.exitValue());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", ie);
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
