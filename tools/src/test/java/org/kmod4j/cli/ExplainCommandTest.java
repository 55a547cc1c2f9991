package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kmod4j explain: one test per reason it can give, the cascade, taint and oops hazard, orders, JSON, and safety. */
class ExplainCommandTest {
    @TempDir
    static Path shared;
    static Path example;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeExample() throws Exception {
        example = ExampleCopies.copy(shared, "example");
    }

    private Path copy() throws Exception {
        return ExampleCopies.duplicate(example, tmp.resolve("copy"));
    }

    /** explain on a copy, checking that the copy is unchanged afterwards. */
    private Kmod4jRun explain(Path root, String... args) throws Exception {
        Map<String, String> before = ExampleCopies.contents(root);
        List<String> all = new ArrayList<>(List.of("explain"));
        all.add(args[0]);
        all.add("--root");
        all.add(root.toString());
        all.addAll(List.of(args).subList(1, args.length));
        Kmod4jRun r = Kmod4jRun.of(all.toArray(String[]::new));
        assertEquals(before, ExampleCopies.contents(root), "the fixture is unchanged");
        assertFalse(r.err().contains("Exception"), r.err());
        return r;
    }

    @Test
    void explainPredictsTheCascadeOfUnusedDependencies() throws Exception {
        Kmod4jRun r = explain(copy(), "modprobe", "-r", "snd_hda_intel");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("cascade: snd_pcm snd_timer (dependencies left unused)"), r.out());
        assertTrue(r.out().contains("delete_module(\"snd_hda_intel\", O_NONBLOCK) = 0"), r.out());
        assertTrue(r.out().contains("predicted: exit status 0 (succeeds)"), r.out());
    }

    @Test
    void explainNamesTheHoldersOfAModuleInUse() throws Exception {
        Path c = copy();
        Kmod4jRun r = explain(c, "rmmod", "snd");
        assertEquals(1, r.status());
        // in the order the fixture's file system lists holders/ (readdir order: tmpfs and ext4 differ), as rmmod
        List<String> holders;
        try (java.util.stream.Stream<Path> entries = Files.list(c.resolve("sys/module/snd/holders"))) {
            holders = entries.map(p -> p.getFileName().toString()).toList();
        }
        assertEquals(4, holders.size(), holders.toString());
        assertTrue(r.out().contains("snd [argument]: in use by " + String.join(" ", holders)), r.out());
        assertTrue(r.out().contains("no delete_module call"), r.out());
        assertTrue(r.out().contains("stderr: rmmod: ERROR: Module snd is in use by:"), r.out());
    }

    @Test
    void explainGivesTheRefcountOfAModuleInUseByNoModule() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "snd_seq_device");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("in use (refcount 1): references held outside modules"), r.out());
        assertTrue(r.out().contains("no delete_module call"), r.out()); // rmmod reads the count first
    }

    @Test
    void explainShowsTheTaintAndTheOopsHazardOfAForce() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "-f", "snd_seq_device");
        assertEquals(0, r.status(), r.out());
        assertTrue(r.out().contains("delete_module(\"snd_seq_device\", O_NONBLOCK|O_TRUNC) = 0"), r.out());
        assertTrue(r.out().contains("(adds R)"), r.out());
        assertTrue(r.out().contains("HAZARD: forced unload while 1 reference(s) are held"), r.out());
    }

    @Test
    void explainReportsBuiltinModulesAsAbsent() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "ext4");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("builtin: part of the kernel image"), r.out());
        assertTrue(r.out().contains("absent:  ext4 (builtin)"), r.out());
    }

    @Test
    void explainReportsModulesNotLoadedAsAbsent() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "snd_foo");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("not loaded: already absent"), r.out());
        assertTrue(r.out().contains("absent:  snd_foo (not loaded)"), r.out());
    }

    @Test
    void explainReportsAModuleNotFoundByModprobe() throws Exception {
        Kmod4jRun r = explain(copy(), "modprobe", "-r", "nosuch");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("not found"), r.out());
    }

    @Test
    void explainPredictsThatAPermanentModuleIsRefused() throws Exception {
        Path c = copy();
        ExampleCopies.edit(c, "proc/modules", "snd_hda_intel 61440 0 -", "snd_hda_intel 61440 0 [permanent],");
        Kmod4jRun r = explain(c, "rmmod", "snd_hda_intel");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("permanent: it has an init function and no exit function"), r.out());
        assertTrue(r.out().contains("= -1 EBUSY"), r.out());
    }

    @Test
    void explainPredictsModulesDisabled() throws Exception {
        Path c = copy();
        Files.writeString(c.resolve("proc/sys/kernel/modules_disabled"), "1\n");
        Kmod4jRun r = explain(c, "rmmod", "snd_hda_intel");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("modules_disabled is 1"), r.out());
        assertTrue(r.out().contains("= -1 EPERM"), r.out());
        assertTrue(r.out().contains("modules_disabled 1"), r.out());
    }

    @Test
    void explainNamesTheStateOfAModuleThatIsNotLive() throws Exception {
        Path c = copy();
        ExampleCopies.edit(c, "proc/modules", "snd_hda_intel 61440 0 - Live", "snd_hda_intel 61440 0 - Loading");
        Kmod4jRun r = explain(c, "rmmod", "snd_hda_intel");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("before: coming"), r.out());
        assertTrue(r.out().contains("= -1 EBUSY"), r.out());
    }

    @Test
    void explainGivesTheOrderThatWorksWhenTheGivenOneFails() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "snd_timer", "snd_pcm", "snd_hda_intel");
        assertEquals(1, r.status());
        assertTrue(r.out().contains("order:   the order given fails; holders first (snd_hda_intel snd_pcm snd_timer) "
                + "works"), r.out());
    }

    @Test
    void explainNotesTheCallersPrivilegeSeparately() throws Exception {
        Kmod4jRun r = explain(copy(), "rmmod", "snd_hda_intel");
        assertTrue(r.out().contains("\ncaller:  "), r.out());
        boolean root = ExplainCommand.hasCapSysModule();
        assertTrue(r.out().contains(root ? "you may remove modules" : "the prediction is for root"), r.out());
    }

    /** explain's one-line JSON document, read back into maps and lists (key order kept). */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String out) throws Exception {
        return new com.fasterxml.jackson.databind.ObjectMapper().readValue(out.strip(), LinkedHashMap.class);
    }

    @Test
    void explainPredictsACommandThatRemovesNothingByTheToolsOwnOutput() throws Exception {
        Kmod4jRun version = Kmod4jRun.of("explain", "rmmod", "-V", "--json");
        assertEquals(0, version.status(), version.err());
        Map<String, Object> doc = json(version.out());
        assertEquals(List.of("explain", "command", "target", "exit_status", "would_succeed", "state", "steps",
                "cascade", "absent", "taint", "oopses", "order", "stdout", "stderr", "caller"),
                List.copyOf(doc.keySet()));
        assertEquals(0, doc.get("exit_status"));
        assertEquals(List.of(), doc.get("steps"));
        assertEquals(org.kmod4j.tools.Rmmod.VERSION_TEXT, doc.get("stdout"));
        assertEquals(null, doc.get("state"));
        // a usage error of the tool is a prediction too: it would fail, with its message
        Kmod4jRun missing = Kmod4jRun.of("explain", "rmmod", "--json");
        assertEquals(1, missing.status());
        Map<String, Object> failed = json(missing.out());
        assertEquals(1, failed.get("exit_status"));
        assertEquals(false, failed.get("would_succeed"));
        assertEquals("rmmod: ERROR: missing module name.\n", failed.get("stderr"));
        // without --json, the tool's own output and status
        Kmod4jRun plain = Kmod4jRun.of("explain", "rmmod", "-V");
        assertEquals(0, plain.status());
        assertEquals(org.kmod4j.tools.Rmmod.VERSION_TEXT, plain.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void explainJsonFollowsTheDocumentedSchema() throws Exception {
        Kmod4jRun r = explain(copy(), "modprobe", "-r", "--json", "snd_hda_intel");
        assertEquals(0, r.status());
        Map<String, Object> doc = json(r.out());
        assertEquals(List.of("explain", "command", "target", "exit_status", "would_succeed", "state", "steps",
                "cascade", "absent", "taint", "oopses", "order", "stdout", "stderr", "caller"),
                List.copyOf(doc.keySet()));
        assertEquals(List.of("snd_pcm", "snd_timer"), doc.get("cascade"));
        Map<String, Object> first = (Map<String, Object>) ((List<Object>) doc.get("steps")).get(0);
        assertEquals("snd_hda_intel", first.get("module"));
        assertEquals(List.of("O_NONBLOCK"), ((Map<String, Object>) first.get("syscall")).get("flag_names"));
    }

    @Test
    void explainWorksOnASnapshotAndOnAScenario() throws Exception {
        Path c = copy();
        Path snap = tmp.resolve("s.snap");
        assertEquals(0, Kmod4jRun.of("snapshot", "--root", c.toString(), "-o", snap.toString()).status());
        Kmod4jRun onRoot = explain(c, "modprobe", "-r", "snd_hda_intel");
        Kmod4jRun onSnap = Kmod4jRun.of("explain", "modprobe", "-r", "--sim", snap.toString(), "snd_hda_intel");
        assertEquals(onRoot.status(), onSnap.status());
        assertTrue(onSnap.out().contains("cascade: snd_pcm snd_timer"), onSnap.out());
        Kmod4jRun scn = Kmod4jRun.of("explain", "rmmod", "--sim", ExampleCopies.REPOSITORY.resolve("examples/sound-stack.scn").toString(), "nosuch");
        assertEquals(1, scn.status(), scn.out() + scn.err());
        assertTrue(scn.out().contains("not loaded"), scn.out());
    }

    @Test
    void explainRefusesToRunCommandsOrBadUsage() {
        Kmod4jRun r = Kmod4jRun.of("explain", "modprobe", "-r", "--run-commands", "snd");
        assertEquals(2, r.status());
        assertEquals(2, Kmod4jRun.of("explain", "insmod", "x").status());
    }

    /**
     * The launcher's JVM under strace: explain of a removal that would succeed, a forced one and a cascade make no
     * delete_module call at all, while the same trace does show the process's other system calls.
     */
    @Test
    void explainNeverCallsDeleteModule() throws Exception {
        String strace = findStrace();
        Path c = copy();
        Map<String, String> before = ExampleCopies.contents(c);
        Path trace = tmp.resolve("trace");
        List<String> cmd = new ArrayList<>(List.of(strace, "-f", "-qq", "-e", "trace=delete_module,openat", "-o",
                trace.toString(), Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), "org.kmod4j.cli.Main", "explain", "rmmod", "-f", "--root",
                c.toString(), "snd_seq_device", "snd_hda_intel"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = p.waitFor();
        Assumptions.assumeFalse(out.contains("PTRACE_TRACEME") || out.contains("ptrace(PTRACE_SEIZE"),
                "strace cannot trace here (no ptrace permission): " + out);
        assertEquals(0, status, out);
        assertTrue(out.contains("delete_module(\"snd_seq_device\", O_NONBLOCK|O_TRUNC) = 0"), out);
        String traced = Files.readString(trace);
        assertTrue(traced.contains("openat("), "the trace records the process's calls: " + traced.length());
        assertFalse(traced.contains("delete_module("), "no delete_module call was made");
        assertEquals(before, ExampleCopies.contents(c), "the fixture is unchanged");
    }

    private static String findStrace() throws Exception {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "strace"))) {
                return Path.of(dir, "strace").toString();
            }
        }
        if (ExplainCommand.hasCapSysModule() || "0".equals(runQuiet("id", "-u").strip())) {
            runQuiet("apt-get", "install", "-y", "-qq", "strace");
            if (Files.isExecutable(Path.of("/usr/bin/strace"))) {
                return "/usr/bin/strace";
            }
        }
        Assumptions.abort("strace is not installed and cannot be installed (not root): the test that traces "
                + "system calls cannot run here");
        return null;
    }

    private static String runQuiet(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }
}
