package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kmod 30 and kmod4j on this machine's real kernel, without namespaces or fakes: kmod4j reads the real /proc and /sys
 * and calls the real delete_module through the FFM API. Only on a kernel without module support, where the only
 * syscall made ({@code rmmod -f kmod4j_no_such_module}) fails with ENOSYS for both.
 */
class HostToolsTest {
    @BeforeEach
    void assumeHost() {
        String reason = KmodPeer.hostUnavailableReason();
        assumeTrue(reason == null, () -> "kmod 30 on the real host unavailable: " + reason);
    }

    private static KmodPeer.Run kmod4j(String prog, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        ToolIo io = ToolIo.of(new PrintWriter(out), new PrintWriter(err)).withSyslog(new SideBySide.CapturingSyslog());
        int status = switch (prog) {
            case "lsmod" -> Lsmod.run(prog, List.of(args), io);
            case "modprobe" -> Modprobe.run(prog, List.of(args), io,
                    new Modprobe.Environment(java.util.Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), false));
            default -> Rmmod.run(prog, List.of(args), io);
        };
        return new KmodPeer.Run(out.toString(), err.toString(), status, List.of());
    }

    private static void assertSame(KmodPeer.Run kmod, KmodPeer.Run kmod4j) {
        assertEquals(kmod.out(), kmod4j.out(), "stdout");
        assertEquals(kmod.err(), kmod4j.err(), "stderr");
        assertEquals(kmod.status(), kmod4j.status(), "exit status");
    }

    @Test
    void lsmodWithoutProcModules() throws IOException {
        KmodPeer.Run kmod4j = kmod4j("lsmod");
        assertSame(KmodPeer.runOnHost("lsmod", List.of()), kmod4j);
        assertEquals("libkmod: kmod_module_new_from_loaded: could not open /proc/modules: No such file or directory\n"
                + "Error: could not get list of modules: No such file or directory\n", kmod4j.err());
    }

    @Test
    void rmmodOfAModuleThatIsNotLoaded() throws IOException {
        assertSame(KmodPeer.runOnHost("rmmod", List.of("kmod4j_no_such_module")), kmod4j("rmmod", "kmod4j_no_such_module"));
    }

    @Test
    void forcedRmmodGetsEnosysFromTheKernel() throws IOException {
        KmodPeer.Run kmod4j = kmod4j("rmmod", "-f", "kmod4j_no_such_module");
        assertSame(KmodPeer.runOnHost("rmmod", List.of("-f", "kmod4j_no_such_module")), kmod4j);
        assertEquals("rmmod: ERROR: could not remove 'kmod4j_no_such_module': Function not implemented\n"
                + "rmmod: ERROR: could not remove module kmod4j_no_such_module: Function not implemented\n", kmod4j.err());
    }

    @Test
    void modprobeOfAModuleThatIsNotInThisKernelsIndexes() throws IOException {
        // This kernel has no /lib/modules/$(uname -r): no index, every name is unknown, nothing is removed.
        KmodPeer.Run kmod4j = kmod4j("modprobe", "-r", "-C", "/dev/null", "kmod4j_no_such_module");
        assertSame(KmodPeer.runOnHost("modprobe", List.of("-r", "-C", "/dev/null", "kmod4j_no_such_module")), kmod4j);
        assertEquals("modprobe: FATAL: Module kmod4j_no_such_module not found.\n", kmod4j.err());
        // With this machine's own configuration directories (Debian's aliases.conf, systemd.conf, ...).
        assertSame(KmodPeer.runOnHost("modprobe", List.of("-r", "-v", "kmod4j_no_such_module")),
                kmod4j("modprobe", "-r", "-v", "kmod4j_no_such_module"));
    }
}
