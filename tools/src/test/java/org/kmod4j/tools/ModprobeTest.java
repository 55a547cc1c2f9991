package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kmod4j.tools.Run.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kmod4j's modprobe where no kmod peer is needed: on simulated kernels ({@code --sim}), its JSON report, bad input,
 * the {@code -w} progress line, and the small parsers ({@code -w} values, {@code MODPROBE_OPTIONS}).
 */
class ModprobeTest {
    @TempDir
    Path tmp;


    private static final String STACK = """
            module kmod4j_core size=16384 exports=kmod4j_core_sym init exit device=/dev/kmod4j_core
            module kmod4j_mid size=12288 uses=kmod4j_core_sym exports=kmod4j_mid_sym init exit
            module kmod4j_top size=12288 uses=kmod4j_mid_sym init exit
            module kmod4j_noexit size=8192 init
            module kmod4j_spare size=8192 init exit
            builtin kmod4j_builtin
            load kmod4j_core
            load kmod4j_mid
            load kmod4j_top
            load kmod4j_noexit
            """;

    private String scenario(String text) throws IOException {
        Path file = tmp.resolve("s" + System.nanoTime() + ".scn");
        Files.writeString(file, text);
        return file.toString();
    }

    // ---- simulated kernels -------------------------------------------------------------------------------------

    /**
     * kmod4j's cascade: a dependency freed by a removal is removed, and so are the ones it freed in turn, down a whole
     * chain, each once and users first; a module another user still holds stays. (One walk, not a rescan per level:
     * scripts/bench.sh times a 2,001-module chain.)
     */
    @Test
    void removingTheTopOfAChainRemovesEveryFreedModuleOnceUsersFirstAndKeepsAHeldOne() throws IOException {
        StringBuilder text = new StringBuilder("module m0 exports=s0\n");
        for (int i = 1; i < 300; i++) {
            text.append("module m").append(i).append(" exports=s").append(i).append(" uses=s").append(i - 1)
                    .append('\n');
        }
        text.append("module other uses=s100\n");
        for (int i = 0; i < 300; i++) {
            text.append("load m").append(i).append('\n');
        }
        text.append("load other\n");
        Run r = cli("modprobe", "-r", "-v", "--sim", scenario(text.toString()), "m299");
        StringBuilder expected = new StringBuilder();
        for (int i = 299; i >= 101; i--) {
            expected.append("rmmod m").append(i).append('\n');
        }
        assertEquals(new Run(expected.toString(), "", 0), r);
    }

    @Test
    void simulatedKernelIndexFollowsTheScenariosSymbols() throws IOException {
        String sim = scenario(STACK);
        assertEquals(new Run("rmmod kmod4j_top\nrmmod kmod4j_mid\nrmmod kmod4j_core\n", "", 0),
                cli("modprobe", "--sim", sim, "-r", "-v", "kmod4j-top"));
        assertEquals(new Run("", "modprobe: FATAL: Module kmod4j_core is in use.\n", 1),
                cli("modprobe", "--sim", sim, "-r", "kmod4j_core"));
        assertEquals(new Run("", "modprobe: FATAL: Module kmod4j_builtin is builtin.\n", 1),
                cli("modprobe", "--sim", sim, "-r", "kmod4j_builtin"));
        assertEquals(new Run("", "modprobe: FATAL: Module kmod4j_nosuch not found.\n", 1),
                cli("modprobe", "--sim", sim, "-r", "kmod4j_nosuch", "kmod4j_top"));
        assertEquals(new Run("", "modprobe: ERROR: could not remove 'kmod4j_noexit': Device or resource busy\n", 1),
                cli("modprobe", "--sim", sim, "-r", "kmod4j_noexit"));
        // declared but not loaded: nothing to do
        assertEquals(new Run("", "", 0), cli("modprobe", "--sim", sim, "-r", "-v", "kmod4j_spare"));
    }

    @Test
    void waitOnASimulatedKernelUsesItsClock() throws IOException {
        String sim = scenario(STACK.replace("load kmod4j_top\n", "load kmod4j_top\nopen 0 /dev/kmod4j_core\n"));
        long t0 = System.nanoTime();
        Run r = cli("modprobe", "--sim", sim, "-r", "-v", "-w", "60000", "kmod4j_top", "kmod4j_core");
        // top and mid go; core is pinned by the open device: the minute passes on the simulator's clock, then the
        // timeout is an error (chosen policy).
        assertEquals(new Run("rmmod kmod4j_top\nrmmod kmod4j_mid\nrmmod kmod4j_core\n",
                "modprobe: ERROR: could not remove 'kmod4j_core': Resource temporarily unavailable\n", 1), r);
        assertTrue(System.nanoTime() - t0 < 30_000_000_000L, "waited in real time");
    }

    @Test
    void jsonReportsArgumentsAndEveryModuleVisited() throws IOException {
        String sim = scenario(STACK);
        Run r = cli("modprobe", "--sim", sim, "--json", "-r", "-a", "kmod4j_top", "kmod4j_nosuch", "kmod4j_noexit");
        assertEquals(1, r.status());
        assertEquals("modprobe: WARNING: Module kmod4j_nosuch not found.\n"
                + "modprobe: ERROR: could not remove 'kmod4j_noexit': Device or resource busy\n", r.err());
        assertEquals("{\"tool\":\"modprobe\",\"schema\":1,\"exit_status\":1,\"dry_run\":false,"
                + "\"module_directory\":\"/lib/modules/6.1.192\",\"config_files\":[],\"arguments\":["
                + "{\"argument\":\"kmod4j_top\",\"modules\":[\"kmod4j_top\"],\"outcome\":\"ok\"},"
                + "{\"argument\":\"kmod4j_nosuch\",\"modules\":[],\"outcome\":\"not-found\"},"
                + "{\"argument\":\"kmod4j_noexit\",\"modules\":[\"kmod4j_noexit\"],\"outcome\":\"failed\"}],"
                + "\"events\":["
                + "{\"module\":\"kmod4j_top\",\"role\":\"argument\",\"outcome\":\"removed\","
                + "\"syscall\":{\"name\":\"kmod4j_top\",\"flags\":2048,\"result\":\"OK\"}},"
                + "{\"module\":\"kmod4j_mid\",\"role\":\"dependency\",\"outcome\":\"removed\","
                + "\"syscall\":{\"name\":\"kmod4j_mid\",\"flags\":2048,\"result\":\"OK\"}},"
                + "{\"module\":\"kmod4j_core\",\"role\":\"dependency\",\"outcome\":\"removed\","
                + "\"syscall\":{\"name\":\"kmod4j_core\",\"flags\":2048,\"result\":\"OK\"}},"
                + "{\"module\":\"kmod4j_noexit\",\"role\":\"argument\",\"outcome\":\"remove-failed\","
                + "\"syscall\":{\"name\":\"kmod4j_noexit\",\"flags\":2048,\"result\":\"EBUSY\"},"
                // the library's reason for the errno: the module has no exit function
                + "\"cause\":\"permanent\"}]}\n", r.out());

        Run dry = cli("modprobe", "--sim", sim, "--json", "-r", "-n", "kmod4j_top", "kmod4j_spare", "kmod4j_builtin",
                "kmod4j_top");
        assertEquals(1, dry.status());
        assertEquals("{\"tool\":\"modprobe\",\"schema\":1,\"exit_status\":1,\"dry_run\":true,"
                + "\"module_directory\":\"/lib/modules/6.1.192\",\"config_files\":[],\"arguments\":["
                + "{\"argument\":\"kmod4j_top\",\"modules\":[\"kmod4j_top\"],\"outcome\":\"ok\"},"
                + "{\"argument\":\"kmod4j_spare\",\"modules\":[\"kmod4j_spare\"],\"outcome\":\"ok\"},"
                + "{\"argument\":\"kmod4j_builtin\",\"modules\":[\"kmod4j_builtin\"],\"outcome\":\"failed\"},"
                + "{\"argument\":\"kmod4j_top\",\"modules\":[],\"outcome\":\"not-processed\"}],"
                + "\"events\":["
                + "{\"module\":\"kmod4j_top\",\"role\":\"argument\",\"outcome\":\"would-remove\"},"
                + "{\"module\":\"kmod4j_spare\",\"role\":\"argument\",\"outcome\":\"not-loaded\"},"
                + "{\"module\":\"kmod4j_builtin\",\"role\":\"argument\",\"outcome\":\"builtin\"}]}\n", dry.out());
    }

    @Test
    void badInputGetsAMessageAndStatus1AndChangesNothing() throws IOException {
        Fixture fx = new Fixture(tmp.resolve("root"));
        fx.loaded("kmod4j_a", 16384, 0);
        String before = fx.read("proc/modules");
        assertEquals(new Run("", "modprobe: ERROR: --root " + tmp.resolve("nope") + ": not a directory.\n", 1),
                cli("modprobe", "-r", "--root", tmp.resolve("nope").toString(), "kmod4j_a"));
        assertEquals(new Run("", "modprobe: ERROR: --root and --sim cannot be used together.\n", 1),
                cli("modprobe", "-r", "--root", fx.root.toString(), "--sim", "x", "kmod4j_a"));
        assertEquals(new Run("", "modprobe: ERROR: --syscall real: expected emulate or enosys.\n", 1),
                cli("modprobe", "-r", "--root", fx.root.toString(), "--syscall", "real", "kmod4j_a"));
        assertEquals(new Run("", "modprobe: ERROR: --sim " + tmp.resolve("none.scn")
                + ": No such file or directory\n", 1), cli("modprobe", "-r", "--sim", tmp.resolve("none.scn")
                .toString(), "kmod4j_a"));
        assertEquals(new Run("", "modprobe: option '--root' requires an argument\n", 1), cli("modprobe", "--root"));
        assertEquals(new Run("", "modprobe: ERROR: unexpected wait value '-'.\n", 1),
                cli("modprobe", "-r", "--root", fx.root.toString(), "-w", "-", "kmod4j_a"));
        // The fixture has no module index: every name is unknown.
        assertEquals(new Run("", "modprobe: FATAL: Module kmod4j_a not found.\n", 1),
                cli("modprobe", "-r", "--root", fx.root.toString(), "kmod4j_a"));
        assertEquals(new Run("", "modprobe: ERROR: kmod4j: modprobe only removes modules (-r); loading is not "
                + "supported.\n", 1), cli("modprobe", "--root", fx.root.toString(), "kmod4j_a"));
        assertEquals(new Run("", "modprobe: ERROR: kmod4j: modprobe only removes modules (-r); --show-exports is not "
                + "supported.\n", 1), cli("modprobe", "-r", "--show-exports", "x.ko"));
        assertEquals(before, fx.read("proc/modules"));
        assertTrue(Files.isDirectory(fx.root.resolve("sys/module/kmod4j_a")));
    }

    @Test
    void picocliRegistersModprobeAndLeavesItsArgumentsAlone() throws IOException {
        Run help = cli("--help");
        assertTrue(help.out().contains("modprobe"), help.out());
        String sim = scenario(STACK);
        // "--" ends the options: "-v" is a module name here.
        assertEquals(new Run("", "modprobe: FATAL: Module -v not found.\n", 1),
                cli("modprobe", "--sim", sim, "-r", "--", "-v"));
    }

    // ---- -w --------------------------------------------------------------------------------------------------------

    @Test
    void waitProgressIsDrawnOnATerminalOnlyAndErasedAtTheEnd() {
        StringWriter tty = new StringWriter();
        WaitLine p = new WaitLine(true, new PrintWriter(tty), "modprobe", 5000);
        p.update("kmod4j_x", Duration.ofMillis(400), false);
        p.update("kmod4j_x", Duration.ofMillis(600), false);
        p.update("kmod4j_x", Duration.ofMillis(700), true);
        assertEquals("\rmodprobe: waiting for kmod4j_x to be unused: 0.4 s of 5.0 s\u001b[K"
                + "\rmodprobe: waiting for kmod4j_x to be unused: 0.6 s of 5.0 s\u001b[K\r\u001b[K", tty.toString());

        StringWriter file = new StringWriter();
        WaitLine q = new WaitLine(false, new PrintWriter(file), "modprobe", 5000);
        q.update("kmod4j_x", Duration.ofMillis(400), false);
        q.update("kmod4j_x", Duration.ofMillis(400), true);
        assertEquals("", file.toString());
    }

    @Test
    void waitValuesAreReadAsStrtoulDoes() {
        assertEquals(300L, Modprobe.parseWait("300"));
        assertEquals(16L, Modprobe.parseWait("0x10"));
        assertEquals(8L, Modprobe.parseWait("010"));
        assertEquals(5L, Modprobe.parseWait(" +5"));
        assertEquals(0L, Modprobe.parseWait("0"));
        assertEquals(Long.MAX_VALUE, Modprobe.parseWait("-1"));
        assertEquals(Long.MAX_VALUE, Modprobe.parseWait("99999999999999999999999"));
        for (String bad : new String[] {"", "abc", "12ms", "5 ", "0x", "08", "-", " "}) {
            assertNull(Modprobe.parseWait(bad), bad);
        }
    }

    @Test
    void modprobeOptionsAreSplitAtEachSpaceWithKmodsQuoting() {
        assertEquals(List.of(), Modprobe.optionsFromEnv(null));
        assertEquals(List.of("-v", "-q"), Modprobe.optionsFromEnv("-v -q"));
        assertEquals(List.of("-v", "", "-q"), Modprobe.optionsFromEnv("-v  -q"));
        assertEquals(List.of("", "-v"), Modprobe.optionsFromEnv(" -v"));
        assertEquals(List.of("-v"), Modprobe.optionsFromEnv("-v "));
        // A word that starts with a quote ends at the closing quote, so the space after it makes an empty word (as in
        // kmod 30: MODPROBE_OPTIONS="'-n' -v" modprobe -r x says "Module  not found.").
        assertEquals(List.of("-C", "/a b/c.conf", "", "-v"), Modprobe.optionsFromEnv("-C '/a b/c.conf' -v"));
        assertEquals(List.of("--config=/a b.conf"), Modprobe.optionsFromEnv("--config=\"/a b.conf\""));
        assertEquals(List.of("x", "y"), Modprobe.optionsFromEnv("\"x\"y"));
        assertEquals(List.of("'unterminated x"), Modprobe.optionsFromEnv("'unterminated x"));
    }

    @Test
    void environmentIsCopied() {
        java.util.HashMap<String, String> vars = new java.util.HashMap<>(Map.of("A", "1"));
        Modprobe.Environment env = new Modprobe.Environment(vars, false);
        vars.put("B", "2");
        assertFalse(env.variables().containsKey("B"));
    }
}
