package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.cli.Main;
import org.kmod4j.host.HostKernel;
import org.kmod4j.host.RecordingDeleteModule;
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
        Target.Factory factory = options -> {
            Target t = Target.open(options);
            HostKernel hk = (HostKernel) t.kernel();
            RecordingDeleteModule rec = new RecordingDeleteModule(hk.syscall());
            recorders.add(rec);
            return Target.host(new HostKernel(hk.root(), rec));
        };
        ToolIo io = new ToolIo(new PrintWriter(out), new PrintWriter(err), factory,
                syslog != null ? syslog : new CapturingSyslog(), cwd);
        int status = prog.equals("lsmod") ? Lsmod.run(prog, full, io) : Rmmod.run(prog, full, io);
        List<String> calls = new ArrayList<>();
        for (RecordingDeleteModule r : recorders) {
            for (RecordingDeleteModule.Call c : r.calls()) {
                calls.add(c.name() + " 0x" + Integer.toHexString(c.flags()));
            }
        }
        KmodPeer.Run kmod4j = new KmodPeer.Run(out.toString(), err.toString(), status, calls);

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
