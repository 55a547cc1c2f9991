package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.tools.Run.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tools on simulated kernels (--sim), on fixtures with the emulated syscall, their JSON output and the CLI. */
class ToolsTest {
    @TempDir
    Path tmp;


    private Path scenario(String text) throws IOException {
        Path file = tmp.resolve("s" + System.nanoTime() + ".scn");
        Files.writeString(file, text);
        return file;
    }

    private static final String STACK = """
            module kmod4j_target size=16384 taint=OE exports=kmod4j_target_value init exit device=/dev/kmod4j_target
            module kmod4j_user_a size=12288 taint=OE uses=kmod4j_target_value init exit
            module kmod4j_user_b size=12288 taint=OE uses=kmod4j_target_value init exit
            module kmod4j_noexit size=8192 taint=OE init
            builtin kmod4j_builtin
            load kmod4j_target
            load kmod4j_user_a
            load kmod4j_user_b
            load kmod4j_noexit
            """;

    // ---- --sim ---------------------------------------------------------------------------------------------------

    @Test
    void lsmodOnASimulatedKernel() throws IOException {
        Run r = cli("lsmod", "--sim", scenario(STACK).toString());
        assertEquals(0, r.status());
        assertEquals("", r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals("Module                  Size  Used by", lines.get(0));
        assertEquals("kmod4j_noexit           8192  0", lines.get(1));
        assertEquals("kmod4j_user_b          12288  0", lines.get(2));
        assertEquals("kmod4j_user_a          12288  0", lines.get(3));
        assertTrue(lines.get(4).matches("kmod4j_target          16384  2 kmod4j_user_[ab],kmod4j_user_[ab]"),
                lines.get(4));
        assertEquals(5, lines.size());
    }

    @Test
    void rmmodOnASimulatedKernel() throws IOException {
        String sim = scenario(STACK).toString();
        Run inUse = cli("rmmod", "--sim", sim, "kmod4j_target", "kmod4j_builtin", "kmod4j_missing", "kmod4j_noexit");
        assertEquals(1, inUse.status());
        assertTrue(inUse.err().matches("""
                rmmod: ERROR: Module kmod4j_target is in use by: kmod4j_user_[ab] kmod4j_user_[ab]
                rmmod: ERROR: Module kmod4j_builtin is builtin.
                rmmod: ERROR: Module kmod4j_missing is not currently loaded
                rmmod: ERROR: could not remove 'kmod4j_noexit': Device or resource busy
                rmmod: ERROR: could not remove module kmod4j_noexit: Device or resource busy
                """), inUse.err());
        // In one run the users go first, then the target is free.
        Run stack = cli("rmmod", "--sim", sim, "kmod4j-user-a.ko", "kmod4j_user_b", "kmod4j_target");
        assertEquals(new Run("", "", 0), stack);
        assertEquals(new Run("", "", 0), cli("rmmod", "--sim", sim, "-f", "kmod4j_noexit"));
        Run forcedHeld = cli("rmmod", "--sim", sim, "-f", "kmod4j_target");
        assertEquals("rmmod: ERROR: could not remove 'kmod4j_target': Resource temporarily unavailable\n"
                + "rmmod: ERROR: could not remove module kmod4j_target: Resource temporarily unavailable\n",
                forcedHeld.err());
    }

    @Test
    void badSimulations() throws IOException {
        assertEquals(new Run("", "rmmod: ERROR: --sim " + tmp.resolve("none.scn")
                + ": No such file or directory\n", 1), cli("rmmod", "--sim", tmp.resolve("none.scn").toString(), "x"));
        Run syntax = cli("lsmod", "--sim", scenario("load\n").toString());
        assertEquals(1, syntax.status());
        assertTrue(syntax.err().startsWith("Error: --sim " + tmp), syntax.err());
        assertTrue(syntax.err().contains(":1: "), syntax.err());
        assertEquals(new Run("", "rmmod: ERROR: --root and --sim cannot be used together.\n", 1),
                cli("rmmod", "--root", tmp.toString(), "--sim", "x", "kmod4j_x"));
    }

    // ---- --root with the emulated syscall ------------------------------------------------------------------------

    @Test
    void rmmodOnAFixtureRemovesFromIt() {
        Fixture fx = new Fixture(tmp.resolve("root"));
        fx.loaded("kmod4j_target", 16384, 1, "kmod4j_user").loaded("kmod4j_user", 12288, 0)
                .loaded("kmod4j_busy", 4096, 2);
        fx.procLine("kmod4j_perm 4096 0 [permanent], Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_perm").initstate("live\n").refcnt("0\n").holders();
        fx.file("proc/sys/kernel/tainted", "0\n");
        String root = fx.root.toString();

        assertEquals(new Run("", "", 0), cli("rmmod", "--root", root, "kmod4j_user", "kmod4j_target"));
        assertFalse(Files.exists(fx.root.resolve("sys/module/kmod4j_target")));
        assertEquals(new Run("", "rmmod: ERROR: Module kmod4j_target is not currently loaded\n", 1),
                cli("rmmod", "--root", root, "kmod4j_target"));
        assertEquals(new Run("", "rmmod: ERROR: could not remove 'kmod4j_perm': Device or resource busy\n"
                + "rmmod: ERROR: could not remove module kmod4j_perm: Device or resource busy\n", 1),
                cli("rmmod", "--root", root, "kmod4j_perm"));
        assertEquals(new Run("", "", 0), cli("rmmod", "--root", root, "-f", "kmod4j_busy"));
        assertEquals("8\n", fx.read("proc/sys/kernel/tainted"));
        assertEquals(new Run("Module                  Size  Used by\nkmod4j_perm             4096  0\n", "", 0),
                cli("lsmod", "--root", root));
        Run enosys = cli("rmmod", "--root", root, "--syscall", "enosys", "kmod4j_perm");
        assertTrue(enosys.err().endsWith("could not remove module kmod4j_perm: Function not implemented\n"));
    }

    @Test
    void targetErrors() {
        assertEquals(new Run("", "rmmod: ERROR: --syscall needs --root DIR (a fixture tree).\n", 1),
                cli("rmmod", "--syscall", "enosys", "kmod4j_x"));
        assertEquals(new Run("", "rmmod: ERROR: --root " + tmp.resolve("nope") + ": not a directory.\n", 1),
                cli("rmmod", "--root", tmp.resolve("nope").toString(), "kmod4j_x"));
        assertEquals(new Run("", "rmmod: ERROR: --syscall real: expected emulate or enosys.\n", 1),
                cli("rmmod", "--root", tmp.toString(), "--syscall", "real", "kmod4j_x"));
        assertEquals(new Run("", "lsmod: option '--root' requires an argument\n", 1), cli("lsmod", "--root"));
        assertEquals(new Run("", "rmmod: option '--root' requires an argument\n", 1), cli("rmmod", "--root"));
        // Missing module name comes before the target, as in kmod.
        assertEquals(new Run("", "rmmod: ERROR: missing module name.\n", 1), cli("rmmod", "--sim", "nowhere"));
    }

    // ---- JSON ------------------------------------------------------------------------------------------------------

    @Test
    void jsonOutput() throws IOException {
        Fixture fx = new Fixture(tmp.resolve("root"));
        fx.loaded("kmod4j_target", 16384, 1, "kmod4j_user").loaded("kmod4j_user", 12288, 0);
        fx.procLine("kmod4j_perm 4096 0 [permanent], Live 0xffffffffc0a00000 (OE)");
        fx.sysfs("kmod4j_perm").initstate("live\n").refcnt("0\n").holders();
        String root = fx.root.toString();
        Run ls = cli("lsmod", "--root", root, "--json");
        assertEquals(new Run("{\"tool\":\"lsmod\",\"schema\":1,\"modules\":["
                + "{\"name\":\"kmod4j_target\",\"size\":16384,\"refcnt\":1,\"holders\":[\"kmod4j_user\"],"
                + "\"initstate\":\"live\",\"permanent\":false,\"taints\":\"\"},"
                + "{\"name\":\"kmod4j_user\",\"size\":12288,\"refcnt\":0,\"holders\":[],"
                + "\"initstate\":\"live\",\"permanent\":false,\"taints\":\"\"},"
                + "{\"name\":\"kmod4j_perm\",\"size\":4096,\"refcnt\":0,\"holders\":[],"
                + "\"initstate\":\"live\",\"permanent\":true,\"taints\":\"OE\"}]}\n", "", 0), ls);

        Path dir = Files.createDirectories(tmp.resolve("d"));
        Run rm = cli("rmmod", "--root", root, "--syscall", "enosys", "--json", "kmod4j_target", "kmod4j_missing",
                "-f", "kmod4j_user", dir + "/", "kmod4j_perm");
        assertEquals(1, rm.status());
        assertEquals("{\"tool\":\"rmmod\",\"schema\":1,\"exit_status\":1,\"results\":["
                + "{\"argument\":\"kmod4j_target\",\"module\":\"kmod4j_target\","
                + "\"syscall\":{\"name\":\"kmod4j_target\",\"flags\":2560,\"result\":\"ENOSYS\"},"
                + "\"outcome\":\"failed\",\"reason\":\"syscall\",\"errno\":\"ENOSYS\","
                + "\"cause\":\"unloading-not-supported\"},"
                + "{\"argument\":\"kmod4j_missing\",\"module\":\"kmod4j_missing\","
                + "\"syscall\":{\"name\":\"kmod4j_missing\",\"flags\":2560,\"result\":\"ENOSYS\"},"
                + "\"outcome\":\"failed\",\"reason\":\"syscall\",\"errno\":\"ENOSYS\","
                + "\"cause\":\"unloading-not-supported\"},"
                + "{\"argument\":\"kmod4j_user\",\"module\":\"kmod4j_user\","
                + "\"syscall\":{\"name\":\"kmod4j_user\",\"flags\":2560,\"result\":\"ENOSYS\"},"
                + "\"outcome\":\"failed\",\"reason\":\"syscall\",\"errno\":\"ENOSYS\","
                + "\"cause\":\"unloading-not-supported\"},"
                + "{\"argument\":\"" + dir + "/\",\"module\":null,\"outcome\":\"failed\",\"reason\":\"bad-argument\"},"
                + "{\"argument\":\"kmod4j_perm\",\"module\":null,\"outcome\":\"skipped\"}]}\n", rm.out());

        Run checks = cli("rmmod", "--root", root, "--json", "kmod4j_target", "kmod4j_missing", "kmod4j_user");
        assertEquals("{\"tool\":\"rmmod\",\"schema\":1,\"exit_status\":1,\"results\":["
                + "{\"argument\":\"kmod4j_target\",\"module\":\"kmod4j_target\",\"outcome\":\"failed\","
                + "\"reason\":\"in-use-by\",\"holders\":[\"kmod4j_user\"]},"
                + "{\"argument\":\"kmod4j_missing\",\"module\":\"kmod4j_missing\",\"outcome\":\"failed\","
                + "\"reason\":\"not-loaded\"},"
                + "{\"argument\":\"kmod4j_user\",\"module\":\"kmod4j_user\","
                + "\"syscall\":{\"name\":\"kmod4j_user\",\"flags\":2048,\"result\":\"OK\"},\"outcome\":\"removed\"}]}\n",
                checks.out());
    }

    // ---- the command line ------------------------------------------------------------------------------------------

    @Test
    void picocliLeavesTheArgumentsAlone() {
        Fixture fx = new Fixture(tmp.resolve("root"));
        String root = fx.root.toString();
        // "--" and "@file" (pom.xml exists in the build's working directory) reach the tool untouched.
        assertEquals(new Run("", "rmmod: ERROR: Module _f is not currently loaded\n", 1),
                cli("rmmod", "--root", root, "--", "-f"));
        assertEquals(new Run("", "rmmod: ERROR: Module @pom is not currently loaded\n", 1),
                cli("rmmod", "--root", root, "@pom.xml"));
        assertEquals(new Run("", "Usage: lsmod\n", 1), cli("lsmod", "--root", root, "@pom.xml"));
        Run help = cli("--help");
        assertTrue(help.out().contains("lsmod") && help.out().contains("rmmod"), help.out());
        List<String> all = new ArrayList<>(List.of("rmmod", "-h"));
        assertEquals(0, cli(all.toArray(String[]::new)).status());
    }
}
