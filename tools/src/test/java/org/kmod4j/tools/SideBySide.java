package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.kmod4j.cli.Main;
import org.kmod4j.host.HostKernel;
import org.kmod4j.host.RecordingDeleteModule;
import org.kmod4j.libc.Syslog;
import org.kmod4j.modules.Kmod;
import org.opentest4j.TestAbortedException;

/**
 * Runs a command with Debian's kmod 30 ({@link KmodPeer}) and with kmod4j against the same fixture, kmod4j with
 * {@code --root FIXTURE --syscall enosys} (the answer this host's kernel gives kmod).
 */
final class SideBySide {
    /** The two runs. */
    record Pair(KmodPeer.Run kmod, KmodPeer.Run kmod4j) {
        /** Asserts identical stdout, stderr, exit status and (when kmod's are logged) delete_module calls. */
        Pair assertSame() {
            assertEquals(kmod.out(), kmod4j.out(), "stdout");
            assertEquals(kmod.err(), kmod4j.err(), "stderr");
            assertEquals(kmod.status(), kmod4j.status(), "exit status");
            assertCallsSame();
            return this;
        }

        /**
         * Help: kmod's text byte for byte, then kmod4j's {@code block} of its own options; stderr, exit status and
         * delete_module calls identical.
         */
        Pair assertSameHelp(String block) {
            assertEquals(kmod.out() + block, kmod4j.out(), "stdout: kmod's help, then kmod4j's options");
            assertEquals(kmod.err(), kmod4j.err(), "stderr");
            assertEquals(kmod.status(), kmod4j.status(), "exit status");
            return assertCallsSame();
        }

        Pair assertCallsSame() {
            if (KmodPeer.logsSyscalls()) {
                assertEquals(kmod.calls(), kmod4j.calls(), "delete_module calls");
            }
            return this;
        }
    }

    private SideBySide() {
    }

    /** Skips the test, with the reason, when kmod cannot be run here. */
    static void assumePeer() {
        String reason = KmodPeer.unavailableReason();
        if (reason != null) {
            throw new TestAbortedException("kmod 30 peer unavailable: " + reason);
        }
    }

    /** The recorded delete_module calls, {@code NAME 0xFLAGS} each, as KmodPeer logs kmod's. */
    private static List<String> calls(List<RecordingDeleteModule> recorders) {
        List<String> calls = new ArrayList<>();
        for (RecordingDeleteModule r : recorders) {
            for (RecordingDeleteModule.Call c : r.calls()) {
                calls.add(c.name() + " 0x" + Integer.toHexString(c.flags()));
            }
        }
        return calls;
    }

    /** Opens targets as the tools do, each with a recorder of its delete_module calls added to {@code recorders}. */
    private static Target.Factory recording(List<RecordingDeleteModule> recorders) {
        return options -> {
            Kmod t = Target.open(options);
            HostKernel hk = (HostKernel) t.kernel();
            RecordingDeleteModule rec = new RecordingDeleteModule(hk.syscall());
            recorders.add(rec);
            return Kmod.of(new HostKernel(hk.root(), rec));
        };
    }

    static Pair run(Fixture fx, String prog, String... args) throws IOException {
        return run(fx, Path.of("/"), true, null, prog, args);
    }

    /**
     * Runs both. With {@code viaCli}, kmod4j also runs through {@link Main#run} (the picocli wiring) and must print the
     * same as through the library; {@code syslog} captures {@code -s} messages.
     */
    static Pair run(Fixture fx, Path cwd, boolean viaCli, Syslog syslog, String prog, String... args)
            throws IOException {
        assumePeer();
        KmodPeer.Run kmod = KmodPeer.run(fx, cwd, prog, List.of(args));
        List<String> full = new ArrayList<>(List.of("--root", fx.root.toString(), "--syscall", "enosys"));
        full.addAll(List.of(args));

        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<RecordingDeleteModule> recorders = new ArrayList<>();
        Target.Factory factory = recording(recorders);
        ToolIo io = new ToolIo(new PrintWriter(out), new PrintWriter(err), factory,
                syslog != null ? syslog : new CapturingSyslog(), cwd);
        int status = prog.equals("lsmod") ? Lsmod.run(prog, full, io) : Rmmod.run(prog, full, io);
        KmodPeer.Run kmod4j = new KmodPeer.Run(out.toString(), err.toString(), status, calls(recorders));

        if (viaCli) {
            StringWriter cliOut = new StringWriter();
            StringWriter cliErr = new StringWriter();
            List<String> cliArgs = new ArrayList<>(List.of(prog));
            cliArgs.addAll(full);
            int cliStatus = Main.run(cliArgs.toArray(String[]::new), new PrintWriter(cliOut, true),
                    new PrintWriter(cliErr, true));
            assertEquals(kmod4j.out(), cliOut.toString(), "stdout through the CLI");
            assertEquals(kmod4j.err(), cliErr.toString(), "stderr through the CLI");
            assertEquals(kmod4j.status(), cliStatus, "exit status through the CLI");
        }
        return new Pair(kmod, kmod4j);
    }

    // ---- modprobe: each implementation on its own copy of the fixture, with a syscall that edits it ------------

    /**
     * What a fixture looks like after a run: {@code proc/modules}, {@code proc/sys/kernel/tainted}, and each
     * {@code sys/module} directory (sorted by name) with its initstate, refcnt and holders (sorted).
     */
    record State(String procModules, String tainted, List<String> sysModule) {
        static State of(Path root) {
            List<String> modules = new ArrayList<>();
            Path sys = root.resolve("sys/module");
            try (var dirs = java.nio.file.Files.list(sys)) {
                for (Path d : dirs.sorted().toList()) {
                    List<String> holders = new ArrayList<>();
                    Path h = d.resolve("holders");
                    if (java.nio.file.Files.isDirectory(h)) {
                        try (var hs = java.nio.file.Files.list(h)) {
                            hs.forEach(x -> holders.add(x.getFileName().toString()));
                        }
                    }
                    holders.sort(null);
                    modules.add(d.getFileName() + " initstate=" + read(d.resolve("initstate")) + " refcnt="
                            + read(d.resolve("refcnt")) + " holders=" + holders);
                }
            } catch (IOException e) {
                modules.add("unreadable: " + e);
            }
            return new State(read(root.resolve("proc/modules")), read(root.resolve("proc/sys/kernel/tainted")),
                    modules);
        }

        private static String read(Path p) {
            try {
                return java.nio.file.Files.isRegularFile(p) ? java.nio.file.Files.readString(p).strip() : "<none>";
            } catch (IOException e) {
                return "<unreadable>";
            }
        }
    }

    /** A modprobe run of each, and the fixture each left behind. */
    record ModprobePair(KmodPeer.Run kmod, KmodPeer.Run kmod4j, State kmodState, State kmod4jState) {
        /** Identical stdout, stderr, exit status, delete_module calls and final fixture. */
        ModprobePair assertSame() {
            assertEquals(kmod.out(), kmod4j.out(), "stdout");
            assertEquals(kmod.err(), kmod4j.err(), "stderr");
            assertEquals(kmod.status(), kmod4j.status(), "exit status");
            assertEquals(kmod.calls(), kmod4j.calls(), "delete_module calls");
            assertEquals(kmodState, kmod4jState, "fixture after the run");
            return this;
        }

        /** As {@link #assertSame()}, but kmod4j's stdout is kmod's help followed by kmod4j's {@code block}. */
        ModprobePair assertSameHelp(String block) {
            assertEquals(kmod.out() + block, kmod4j.out(), "stdout: kmod's help, then kmod4j's options");
            assertEquals(kmod.err(), kmod4j.err(), "stderr");
            assertEquals(kmod.status(), kmod4j.status(), "exit status");
            assertEquals(kmod.calls(), kmod4j.calls(), "delete_module calls");
            assertEquals(kmodState, kmod4jState, "fixture after the run");
            return this;
        }
    }

    private static int copies;

    /** Skips the test unless kmod's removals can be emulated (the fake needs gcc) and fake modules can be built. */
    static void assumeModprobePeer() {
        assumePeer();
        if (!KmodPeer.logsSyscalls()) {
            throw new TestAbortedException("kmod 30 peer cannot emulate delete_module here (gcc missing)");
        }
        if (!Fixture.canBuildModules()) {
            throw new TestAbortedException("gcc or depmod missing: no fake modules and indexes");
        }
    }

    static ModprobePair modprobe(Fixture fx, String... args) throws IOException {
        return modprobe(fx, Map.of(), Path.of("/"), null, args);
    }

    /**
     * Runs {@code modprobe ARGS} with kmod 30 and with kmod4j, each on its own copy of {@code fx}, both with a
     * {@code delete_module} that applies the kernel's rules and edits the copy (kmod: the LD_PRELOAD fake in emulate
     * mode; kmod4j: {@code --root COPY}, whose default syscall is {@link org.kmod4j.host.FixtureDeleteModule}).
     * {@code env} is added to both environments (MODPROBE_OPTIONS, say). Without extra environment, kmod4j also runs
     * through {@link Main#run} on a third copy and must print the same.
     */
    static ModprobePair modprobe(Fixture fx, Map<String, String> env, Path cwd, Syslog syslog, String... args)
            throws IOException {
        assumeModprobePeer();
        int n;
        synchronized (SideBySide.class) {
            n = ++copies;
        }
        Fixture forKmod = fx.copyTo(fx.root.resolveSibling("kmod-" + n));
        Fixture forKmod4j = fx.copyTo(fx.root.resolveSibling("kmod4j-" + n));
        KmodPeer.Run kmod = KmodPeer.run(forKmod, cwd, "modprobe", List.of(args), true, env);

        // kmod runs the fixture's remove commands; kmod4j does so under --root only when asked to
        List<String> full = new ArrayList<>(List.of("--root", forKmod4j.root.toString(), "--run-commands"));
        full.addAll(List.of(args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<RecordingDeleteModule> recorders = new ArrayList<>();
        Target.Factory factory = recording(recorders);
        ToolIo io = new ToolIo(new PrintWriter(out), new PrintWriter(err), factory,
                syslog != null ? syslog : new CapturingSyslog(), cwd);
        Map<String, String> variables = new HashMap<>(System.getenv());
        for (String v : List.of("KMOD_LOG", "POSIXLY_CORRECT", "LD_PRELOAD", "MODPROBE_OPTIONS")) {
            variables.remove(v);
        }
        variables.put("LC_ALL", "C");
        variables.put("PATH", "/usr/sbin:/usr/bin:/sbin:/bin");
        variables.putAll(env);
        int status = Modprobe.run("modprobe", full, io, new Modprobe.Environment(variables, false));
        KmodPeer.Run kmod4j = new KmodPeer.Run(out.toString(), err.toString(), status, calls(recorders));

        if (env.isEmpty() && syslog == null && System.getenv("MODPROBE_OPTIONS") == null) {
            Fixture forCli = fx.copyTo(fx.root.resolveSibling("cli-" + n));
            StringWriter cliOut = new StringWriter();
            StringWriter cliErr = new StringWriter();
            List<String> cliArgs = new ArrayList<>(List.of("modprobe", "--root", forCli.root.toString(),
                    "--run-commands"));
            cliArgs.addAll(List.of(args));
            int cliStatus = Main.run(cliArgs.toArray(String[]::new), new PrintWriter(cliOut, true),
                    new PrintWriter(cliErr, true));
            assertEquals(kmod4j.out().replace(forKmod4j.root.toString(), "ROOT"),
                    cliOut.toString().replace(forCli.root.toString(), "ROOT"), "stdout through the CLI");
            assertEquals(kmod4j.err().replace(forKmod4j.root.toString(), "ROOT"),
                    cliErr.toString().replace(forCli.root.toString(), "ROOT"), "stderr through the CLI");
            assertEquals(kmod4j.status(), cliStatus, "exit status through the CLI");
            assertEquals(State.of(forKmod4j.root), State.of(forCli.root), "fixture after the run through the CLI");
        }
        return new ModprobePair(kmod, kmod4j, State.of(forKmod.root), State.of(forKmod4j.root));
    }

    /** A syslog that keeps the messages. */
    static final class CapturingSyslog implements Syslog {
        final List<String> messages = new ArrayList<>();
        String ident;

        @Override
        public void open(String id) {
            ident = id;
        }

        @Override
        public void log(int priority, String message) {
            messages.add("<" + priority + ">" + message);
        }
    }
}
