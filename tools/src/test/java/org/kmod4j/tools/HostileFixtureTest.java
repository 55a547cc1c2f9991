package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.cli.Main;

/**
 * {@code --root DIR} with hostile and broken fixtures (issue 8): nothing outside DIR is read through a link, written or
 * deleted; an emulated removal is all or nothing; tools at once on one fixture are serialised; a fixture's remove
 * commands are not run on the host; endless or binary files end quickly with a message naming the file. All through the command-line entry point, as a user runs the tools.
 */
class HostileFixtureTest {
    @TempDir
    Path tmp;

    private Fixture fx;
    private Path root;
    /** A directory outside the root that no run may change. */
    private Path outside;

    record Run(String out, String err, int status) {
    }

    @BeforeEach
    void setUp() throws IOException {
        fx = new Fixture(tmp.resolve("root"));
        root = fx.root;
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("precious"), "keep me\n");
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(out.toString(), err.toString(), status);
    }

    private static void assertNoJavaInOutput(Run r) {
        for (String s : List.of(r.out(), r.err())) {
            assertFalse(s.contains("Exception") || s.contains("java.") || s.contains("\tat "), s);
            assertFalse(s.contains("Input length"), s);
        }
    }

    /** A module "victim" whose sysfs directory is outside the root, reached through a symlinked sys/module. */
    @Test
    void symlinkedSysModuleLeadingOutOfTheRootIsRefusedAndNothingOutsideIsTouched() throws IOException {
        fx.procLine("victim 4096 0 - Live 0xffffffffc0000000");
        Path victim = Files.createDirectories(outside.resolve("victim/holders"));
        Files.writeString(victim.resolveSibling("initstate"), "live\n");
        Files.writeString(victim.resolveSibling("refcnt"), "0\n");
        Files.delete(root.resolve("sys/module"));
        Files.createSymbolicLink(root.resolve("sys/module"), outside);
        fx.file("etc/modprobe.d/a.conf", "alias victim victim\n");
        TreeSnapshot outsideBefore = TreeSnapshot.of(outside);
        TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);

        for (String[] cmd : List.of(new String[] {"rmmod", "--root", root.toString(), "victim"},
                new String[] {"rmmod", "--root", root.toString(), "-f", "victim"},
                new String[] {"modprobe", "--root", root.toString(), "-r", "victim"},
                new String[] {"lsmod", "--root", root.toString()})) {
            Run r = cli(cmd);
            assertEquals(1, r.status(), String.join(" ", cmd) + ": " + r);
            assertTrue(r.err().contains("sys/module is a symbolic link that leads out of the root (to " + outside),
                    r.err());
            assertNoJavaInOutput(r);
            assertEquals(outsideBefore, TreeSnapshot.of(outside));
            assertEquals(rootBefore, TreeSnapshot.ofFixture(root));
        }
    }

    @Test
    void aModulesSysfsDirectoryLinkedOutOfTheRootIsRefusedForReadingAndRemoval() throws IOException {
        fx.procLine("victim 4096 0 - Live 0xffffffffc0000000");
        Files.createDirectories(outside.resolve("victim/holders"));
        Files.writeString(outside.resolve("victim/refcnt"), "0\n");
        Files.createSymbolicLink(root.resolve("sys/module/victim"), outside.resolve("victim"));
        TreeSnapshot outsideBefore = TreeSnapshot.of(outside);
        TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);
        Run r = cli("rmmod", "--root", root.toString(), "-f", "victim");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("rmmod: ERROR: fixture " + root.toRealPath() + ": sys/module/victim is a "
                + "symbolic link that leads out of the root"), r.err());
        assertNoJavaInOutput(r);
        assertEquals(outsideBefore, TreeSnapshot.of(outside));
        assertEquals(rootBefore, TreeSnapshot.ofFixture(root));
    }

    @Test
    void aRefcntLinkedOutOfTheRootIsNeitherReadNorRewritten() throws IOException {
        fx.loaded("core", 4096, 1, "user").loaded("user", 4096, 0);
        Files.delete(root.resolve("sys/module/core/refcnt"));
        Files.writeString(outside.resolve("refcnt"), "1\n");
        Files.createSymbolicLink(root.resolve("sys/module/core/refcnt"), outside.resolve("refcnt"));
        TreeSnapshot outsideBefore = TreeSnapshot.of(outside);
        TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);
        Run r = cli("rmmod", "--root", root.toString(), "user");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("sys/module/core/refcnt is a symbolic link that leads out of the root"), r.err());
        assertEquals(outsideBefore, TreeSnapshot.of(outside));
        assertEquals(rootBefore, TreeSnapshot.ofFixture(root));
    }

    @Test
    void aLockFileThatIsASymbolicLinkIsRefusedAndItsTargetIsUntouched() throws IOException {
        fx.loaded("m", 4096, 0);
        Files.createSymbolicLink(root.resolve(".kmod4j.lock"), outside.resolve("precious"));
        TreeSnapshot outsideBefore = TreeSnapshot.of(outside);
        TreeSnapshot rootBefore = TreeSnapshot.of(root);
        Run r = cli("rmmod", "--root", root.toString(), "m");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("cannot open the lock file .kmod4j.lock"), r.err());
        assertEquals(outsideBefore, TreeSnapshot.of(outside));
        assertEquals(rootBefore, TreeSnapshot.of(root));
    }

    /**
     * Issue 8: {@code .} and {@code ..} in proc/modules, reached through an alias, made the emulated syscall delete
     * every sys/module/* directory or the whole sys/module.
     */
    @Test
    void modulesNamedDotOrDotDotInProcModulesAreRefusedAndSysModuleStays() throws IOException {
        fx.loaded("keep", 4096, 0);
        fx.procLine(". 4096 0 - Live 0xffffffffc0000000");
        fx.procLine(".. 4096 0 - Live 0xffffffffc0001000");
        fx.file("etc/modprobe.d/evil.conf", "alias dot .\nalias dotdot ..\n");
        TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);
        for (String alias : List.of("dot", "dotdot")) {
            for (String force : List.of("-r", "-rf")) {
                Run r = cli("modprobe", "--root", root.toString(), force, alias);
                assertEquals(1, r.status(), r.toString());
                assertTrue(r.err().contains("would leave the directory it names"), r.err());
                assertNoJavaInOutput(r);
                assertEquals(rootBefore, TreeSnapshot.ofFixture(root));
            }
        }
        // The syscall itself checks every name of proc/modules before a removal turns one into a path.
        Run r = cli("rmmod", "--root", root.toString(), "keep");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("proc/modules line 2: '.' cannot be a module name"), r.err());
        assertEquals(rootBefore, TreeSnapshot.ofFixture(root));
        assertTrue(Files.isDirectory(root.resolve("sys/module/keep")));
    }

    @Test
    void removeCommandsOfAFixtureAreReportedAndNotRunOnTheHost() throws IOException {
        Path marker = outside.resolve("pwned");
        fx.loaded("m", 4096, 0);
        fx.file("etc/modprobe.d/cmd.conf", "remove m touch " + marker + "\n");
        TreeSnapshot rootBefore = TreeSnapshot.ofFixture(root);

        Run quiet = cli("modprobe", "--root", root.toString(), "-r", "m");
        assertEquals(new Run("", "modprobe: WARNING: kmod4j: remove command for m not run under --root "
                + "(--run-commands runs it on this host): touch " + marker + "\n", 0), quiet);
        Run verbose = cli("modprobe", "--root", root.toString(), "-r", "-v", "m");
        assertEquals("remove touch " + marker + "\n", verbose.out());
        Run json = cli("modprobe", "--root", root.toString(), "-r", "--json", "m");
        assertTrue(json.out().contains("{\"module\":\"m\",\"role\":\"argument\",\"outcome\":\"would-run-command\","
                + "\"command\":\"touch " + marker + "\",\"not_run\":\"--root\"}"), json.out());
        assertFalse(Files.exists(marker, java.nio.file.LinkOption.NOFOLLOW_LINKS));
        assertEquals(rootBefore, TreeSnapshot.ofFixture(root), "the module stays, as after a command");
    }

    @Test
    void runCommandsRunsTheRemoveCommandOfAFixtureOnTheHost() throws IOException {
        Path marker = outside.resolve("ran");
        fx.loaded("m", 4096, 0);
        fx.file("etc/modprobe.d/cmd.conf", "remove m touch " + marker + "\n");
        assertEquals(new Run("", "", 0), cli("modprobe", "--root", root.toString(), "--run-commands", "-r", "m"));
        assertTrue(Files.exists(marker));
        // kmod4j's options are never abbreviated
        assertEquals(1, cli("modprobe", "--root", root.toString(), "--run-comm", "-r", "m").status());
    }

    @Test
    void removeCommandsAreNotRunOnASimulatedKernelEither() throws IOException {
        Path marker = outside.resolve("pwned");
        Path scn = Files.writeString(tmp.resolve("s.scn"), "module m size=4096 init exit\nload m\n");
        Path conf = Files.writeString(tmp.resolve("c.conf"), "remove m touch " + marker + "\n");
        Run r = cli("modprobe", "--sim", scn.toString(), "-C", conf.toString(), "-r", "m");
        assertEquals(new Run("", "modprobe: WARNING: kmod4j: remove command for m not run under --sim "
                + "(--run-commands runs it on this host): touch " + marker + "\n", 0), r);
        assertFalse(Files.exists(marker));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aConfigurationFileLinkedOutOfTheRootIsRefusedNotRead() throws IOException {
        fx.loaded("m", 4096, 0);
        Files.createDirectories(root.resolve("etc/modprobe.d"));
        Files.createSymbolicLink(root.resolve("etc/modprobe.d/zero.conf"), Path.of("/dev/zero"));
        TreeSnapshot before = TreeSnapshot.ofFixture(root);
        Run r = cli("modprobe", "--root", root.toString(), "-r", "m");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("etc/modprobe.d/zero.conf is a symbolic link that leads out of the root (to "
                + "/dev/zero)"), r.err());
        assertNoJavaInOutput(r);
        assertEquals(before, TreeSnapshot.ofFixture(root));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void anIndexOrConfigurationFileThatIsAFifoIsRefusedNotOpened() throws Exception {
        fx.loaded("m", 4096, 0);
        fx.file("etc/modprobe.d/a.conf", "alias m m\n");
        Path index = fx.moduleDir().resolve("modules.builtin.bin");
        Path conf = root.resolve("etc/modprobe.d/fifo.conf");
        Files.createDirectories(index.getParent());
        for (Path fifo : List.of(index, conf)) {
            Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
            assumeTrue(mkfifo.waitFor() == 0, "mkfifo is needed");
        }
        TreeSnapshot before = TreeSnapshot.ofFixture(root);
        Run rm = cli("rmmod", "--root", root.toString(), "m");
        assertEquals(1, rm.status());
        assertTrue(rm.err().contains("modules.builtin.bin: not a regular file"), rm.err());
        assertEquals(before, TreeSnapshot.ofFixture(root));
        Files.delete(index);
        Run mp = cli("modprobe", "--root", root.toString(), "-r", "m");
        assertEquals(1, mp.status());
        assertTrue(mp.err().contains("etc/modprobe.d/fifo.conf: not a regular file"), mp.err());
        assertNoJavaInOutput(mp);
        assertTrue(Files.isDirectory(root.resolve("sys/module/m")));
    }

    /** Issue 8: a binary refcnt made the run fail half-way, with "Input length = 1" and the tree half edited. */
    @Test
    void aHoldersRefcntThatIsNotANumberLeavesTheTreeUnchangedWithAMessageNamingTheFile() throws IOException {
        fx.loaded("core", 4096, 1, "user").loaded("user", 4096, 0);
        Files.write(root.resolve("sys/module/core/refcnt"), new byte[] {(byte) 0xff, 0, 1, '\n'});
        fx.file("proc/sys/kernel/tainted", "0\n");
        fx.file("etc/modprobe.d/a.conf", "alias user user\n");
        TreeSnapshot before = TreeSnapshot.ofFixture(root);
        for (String[] cmd : List.of(new String[] {"rmmod", "--root", root.toString(), "user"},
                new String[] {"modprobe", "--root", root.toString(), "-r", "-f", "user"})) {
            Run r = cli(cmd);
            assertEquals(1, r.status());
            assertEquals(cmd[0] + ": ERROR: fixture " + root.toRealPath() + ": sys/module/core/refcnt: not a number "
                    + "('\\xff\\x00\\x01\\n'), so the reference its user held cannot be dropped; nothing was changed\n",
                    r.err());
            assertEquals(before, TreeSnapshot.ofFixture(root));
        }
    }

    @Test
    void aTaintedFileThatIsNotANumberLeavesTheTreeUnchanged() throws IOException {
        fx.loaded("m", 4096, 0);
        fx.file("proc/sys/kernel/tainted", "lots\n");
        TreeSnapshot before = TreeSnapshot.ofFixture(root);
        Run r = cli("rmmod", "--root", root.toString(), "m");
        assertEquals(1, r.status());
        assertTrue(r.err().endsWith("proc/sys/kernel/tainted: not a number ('lots\\n'); nothing was changed\n"),
                r.err());
        assertEquals(before, TreeSnapshot.ofFixture(root));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void anEndlessProcModulesEndsQuicklyNamingTheFileAndTheCap() throws IOException {
        // a 5 GB sparse file: reading it all is what issue 8 saw (an OutOfMemoryError after a minute)
        try (RandomAccessFile f = new RandomAccessFile(root.resolve("proc/modules").toFile(), "rw")) {
            f.setLength(5L << 30);
        }
        fx.file("etc/modprobe.d/a.conf", "alias m m\n");
        fx.sysfs("m").initstate("live\n").refcnt("0\n").holders();
        for (String[] cmd : List.of(new String[] {"lsmod", "--root", root.toString()},
                new String[] {"rmmod", "--root", root.toString(), "-f", "m"},
                new String[] {"modprobe", "--root", root.toString(), "-r", "-f", "m"})) {
            long t0 = System.nanoTime();
            Run r = cli(cmd);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 5000, cmd[0] + " took " + ms + " ms");
            assertEquals(1, r.status(), r.toString());
            assertTrue(r.err().contains("proc/modules: more than 8388608 bytes, the most kmod4j reads of "
                    + "/proc/modules"), r.err());
            assertNoJavaInOutput(r);
        }
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aProcModulesThatIsAFifoOrLinksToDevZeroEndsQuicklyNamingTheFile() throws Exception {
        Files.delete(root.resolve("proc/modules"));
        Process mkfifo = new ProcessBuilder("mkfifo", root.resolve("proc/modules").toString()).start();
        assumeTrue(mkfifo.waitFor() == 0, "mkfifo is needed");
        Run fifo = cli("lsmod", "--root", root.toString());
        assertEquals(1, fifo.status());
        assertTrue(fifo.err().contains("proc/modules: not a regular file"), fifo.err());
        Run rm = cli("rmmod", "--root", root.toString(), "-f", "m");
        assertEquals(1, rm.status());
        assertTrue(rm.err().contains("proc/modules: not a regular file"), rm.err());

        Files.delete(root.resolve("proc/modules"));
        Files.createSymbolicLink(root.resolve("proc/modules"), Path.of("/dev/zero"));
        Run zero = cli("rmmod", "--root", root.toString(), "-f", "m");
        assertEquals(1, zero.status());
        assertTrue(zero.err().contains("proc/modules is a symbolic link that leads out of the root (to /dev/zero)"),
                zero.err());
        assertNoJavaInOutput(zero);
    }

    @Test
    void nonUtf8BytesInProcModulesAreNamedWithFileAndLineWhenTheFixtureIsEdited() throws IOException {
        fx.loaded("m", 4096, 0);
        byte[] text = Files.readAllBytes(root.resolve("proc/modules"));
        byte[] bad = "caf\u00e9 4096 0 - Live 0xffffffffc0000000\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        byte[] all = new byte[text.length + bad.length];
        System.arraycopy(text, 0, all, 0, text.length);
        System.arraycopy(bad, 0, all, text.length, bad.length);
        Files.write(root.resolve("proc/modules"), all);
        TreeSnapshot before = TreeSnapshot.ofFixture(root);
        Run r = cli("rmmod", "--root", root.toString(), "m");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("proc/modules line 2: bytes that are not UTF-8 ('caf\\xe9 4096"), r.err());
        assertNoJavaInOutput(r);
        assertEquals(before, TreeSnapshot.ofFixture(root));
        // reading is fine: the bytes are shown as U+FFFD (docs/tools.md)
        Run ls = cli("lsmod", "--root", root.toString());
        assertEquals(0, ls.status(), ls.toString());
        assertTrue(ls.out().contains("caf\uFFFD"), ls.out());
    }

    // ---- tools at once on one fixture ----------------------------------------------------------------------------

    private static final int USERS = 8;

    /** "core" used by user0..user7: every removal lowers core's count, so a lost update shows. */
    private void sharedCore() {
        String[] users = new String[USERS];
        for (int i = 0; i < USERS; i++) {
            users[i] = "user" + i;
        }
        fx.loaded("core", 16384, USERS, users);
        for (int i = 0; i < USERS; i++) {
            fx.loaded("user" + i, 4096, 0);
        }
        fx.loaded("other", 4096, 0);
    }

    private void assertOnlyCoreAndOtherLeft() throws IOException {
        assertEquals("core 16384 0 - Live 0xffffffffc0a00000\nother 4096 0 - Live 0xffffffffc0a00000\n",
                Files.readString(root.resolve("proc/modules")));
        List<String> dirs = new ArrayList<>();
        try (var s = Files.list(root.resolve("sys/module"))) {
            s.forEach(p -> dirs.add(p.getFileName().toString()));
        }
        dirs.sort(null);
        assertEquals(List.of("core", "other"), dirs);
        assertEquals("0\n", Files.readString(root.resolve("sys/module/core/refcnt")));
        try (var s = Files.list(root.resolve("sys/module/core/holders"))) {
            assertEquals(0, s.count());
        }
        try (var s = Files.list(root)) {
            assertEquals(List.of(".kmod4j.lock", "proc", "sys"),
                    s.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary or trash entry left");
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void parallelRemovalsOfDistinctModulesInThreadsLeaveExactlyTheRest() throws Exception {
        for (int round = 0; round < 10; round++) {
            TreeSnapshot.delete(root);
            fx = new Fixture(tmp.resolve("root"));
            sharedCore();
            List<Thread> threads = new ArrayList<>();
            List<Run> runs = java.util.Collections.synchronizedList(new ArrayList<>());
            for (int t = 0; t < 4; t++) {
                String a = "user" + (2 * t);
                String b = "user" + (2 * t + 1);
                threads.add(Thread.ofPlatform().start(() -> runs.add(cli("rmmod", "--root", root.toString(), a, b))));
            }
            for (Thread t : threads) {
                t.join();
            }
            for (Run r : runs) {
                assertEquals(new Run("", "", 0), r);
            }
            assertOnlyCoreAndOtherLeft();
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void parallelRemovalsOfDistinctModulesInProcessesLeaveExactlyTheRest() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        for (int round = 0; round < 2; round++) {
            TreeSnapshot.delete(root);
            fx = new Fixture(tmp.resolve("root"));
            sharedCore();
            List<Process> procs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                procs.add(new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", cp,
                        "org.kmod4j.cli.Main", "rmmod", "--root", root.toString(), "user" + (2 * t),
                        "user" + (2 * t + 1)).redirectErrorStream(true).start());
            }
            for (Process p : procs) {
                String output = new String(p.getInputStream().readAllBytes());
                assertTrue(p.waitFor(120, TimeUnit.SECONDS));
                assertEquals(0, p.exitValue(), output);
                assertEquals("", output);
            }
            assertOnlyCoreAndOtherLeft();
        }
    }
}
