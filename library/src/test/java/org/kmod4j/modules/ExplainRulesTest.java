package org.kmod4j.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.SimulatedKernel;

/** {@link Kmod#explain}: the prediction of a removal, made on a fresh copy of the kernel and never on the kernel. */
class ExplainRulesTest {
    @TempDir
    Path tmp;

    /** {@link RemovalRulesTest}'s stack: core <- mid <- top, a permanent module, a spare one, a builtin. */
    private static SimulatedKernel stack() {
        return RemovalRulesTest.stack();
    }

    private static List<String> reasons(Plan plan) {
        return plan.steps().stream().map(s -> s.step().module() + ":" + s.step().reason()).toList();
    }

    /** A fixture tree at {@code root} of the same stack: core <- mid <- top, and spare, held once by no module. */
    static Path fixture(Path root) throws IOException {
        write(root, "proc/modules", """
                spare 16384 1 - Live 0xffffffffc0a30000
                top 16384 0 - Live 0xffffffffc0a20000
                mid 16384 1 top, Live 0xffffffffc0a10000
                core 16384 1 mid, Live 0xffffffffc0a00000
                """);
        write(root, "proc/sys/kernel/tainted", "0\n");
        write(root, "proc/sys/kernel/modules_disabled", "0\n");
        write(root, "proc/sys/kernel/osrelease", "6.1.0-explain\n");
        for (String m : List.of("spare", "top", "mid", "core")) {
            write(root, "sys/module/" + m + "/initstate", "live\n");
            write(root, "sys/module/" + m + "/refcnt", m.equals("top") ? "0\n" : "1\n");
            Files.createDirectories(root.resolve("sys/module/" + m + "/holders"));
        }
        Files.createSymbolicLink(root.resolve("sys/module/core/holders/mid"), Path.of("../../mid"));
        Files.createSymbolicLink(root.resolve("sys/module/mid/holders/top"), Path.of("../../top"));
        return root;
    }

    static void write(Path root, String relative, String text) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    /** Every path under {@code root} with its bytes (a directory: its entries), to show a tree is unchanged. */
    static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.toList()) {
                String key = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(key, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    try (Stream<Path> entries = Files.list(p)) {
                        out.put(key, entries.map(e -> e.getFileName().toString()).sorted().toList().toString());
                    }
                } else {
                    out.put(key, Files.readString(p));
                }
            }
        }
        return out;
    }

    private static List<String> state(SimulatedKernel kernel) {
        List<String> out = new ArrayList<>();
        for (LoadedModule m : kernel.loadedModules()) {
            out.add(m.name().value() + " " + m.state() + " " + m.refcount() + " " + m.holders());
        }
        out.add("tainted " + kernel.taintedMask() + ", oopses " + kernel.oopses().size());
        return out;
    }

    @Test
    void flagNamesAreONonblockThenOTruncThenOtherBitsInHex() {
        assertEquals(List.of(), new Step.Syscall("delete_module", 0, 0, null, null).flagNames());
        assertEquals(List.of("O_NONBLOCK", "O_TRUNC"),
                new Step.Syscall("delete_module", 0xa00, 0, null, null).flagNames());
        assertEquals(List.of("O_TRUNC", "0x40000000"),
                new Step.Syscall("delete_module", 0x40000200, 0, null, null).flagNames());
    }

    @Test
    void explainNeverChangesTheTarget() throws IOException {
        Path root = fixture(tmp.resolve("root"));
        Map<String, String> before = contents(root);
        Kmod fixture = Kmod.fixture(root);
        Plan removed = fixture.explain(List.of("top", "spare"), RemoveOptions.rmmod().force().build());
        assertEquals(List.of("top:REMOVED", "spare:REMOVED"), reasons(removed));
        assertTrue(removed.succeeded());
        assertEquals(before, contents(root), "the fixture's bytes are unchanged");
        assertEquals(Module.State.LIVE, fixture.module("top").state());

        SimulatedKernel kernel = stack();
        List<String> state = state(kernel);
        Kmod simulator = Kmod.simulator(kernel);
        Plan plan = simulator.explain("top", RemoveOptions.modprobe().force().build());
        assertEquals(List.of("top:REMOVED", "mid:REMOVED", "core:REMOVED"), reasons(plan));
        assertEquals(state, state(kernel), "the simulator's state is unchanged");
        assertEquals(Module.State.LIVE, simulator.module("core").state());
    }

    @Test
    void aFixturesRefcntThatIsNoNumberIsPredictedAsUnreadable() throws IOException {
        // the copy's count is proc/modules' column; the file as recorded is what rmmod reads on the fixture
        Path root = fixture(tmp.resolve("root"));
        write(root, "sys/module/top/refcnt", "x\n");
        Plan plan = Kmod.fixture(root).explain("top", RemoveOptions.rmmod().build());
        assertEquals(List.of("top:REFCOUNT_UNREADABLE"), reasons(plan));
        assertEquals(-22, plan.steps().getFirst().step().refcount(), "-EINVAL, as libkmod's read of it gives");
        assertEquals(Kmod.fixture(root).remove("top", RemoveOptions.rmmod().build()).steps(), plan.removal().steps());
        Plan forced = Kmod.fixture(root).explain("top", RemoveOptions.rmmod().force().build());
        assertEquals(List.of("top:REMOVED"), reasons(forced), "the simulator's own count decides the call");
    }

    @Test
    void explainOfAScenarioRunsItAgainOnAFreshKernel() {
        Kmod kmod = Kmod.scenario(LibraryReadmeExampleTest.example("sound-stack.scn"));
        Plan plan = kmod.explain(List.of("snd_pcm"), RemoveOptions.modprobe().force().build());
        assertTrue(plan.succeeded());
        assertEquals(List.of("snd_timer"), plan.cascade(), "docs/library.md's example");
        assertEquals(Module.State.LIVE, kmod.module("snd_pcm").state());
        assertEquals(plan.removal().steps(), kmod.remove(List.of("snd_pcm"), RemoveOptions.modprobe().force().build())
                .steps());
    }

    @Test
    void explainOfAHeldModuleNamesItsHoldersWithoutACall() {
        Plan plan = Kmod.simulator(stack()).explain("core", RemoveOptions.rmmod().build());
        Plan.PlannedStep s = plan.steps().getFirst();
        assertEquals(Reason.IN_USE_BY_HOLDERS, s.step().reason());
        assertEquals(List.of("mid"), s.step().holders());
        assertNull(s.step().syscall(), "rmmod refuses before delete_module");
        assertNull(s.call());
        assertEquals(List.of("mid"), s.before().holders());
        assertEquals(1, s.before().refcount());
        assertFalse(plan.succeeded());
    }

    @Test
    void forcedExplainAddsTaintRAndAnOopsHazardWhenReferencesAreHeld() {
        SimulatedKernel kernel = stack();
        ModuleReference ref = kernel.tryModuleGet("spare").orElseThrow();
        Plan plan = Kmod.simulator(kernel).explain("spare", RemoveOptions.rmmod().force().build());
        Plan.PlannedStep s = plan.steps().getFirst();
        assertEquals(Reason.REMOVED, s.step().reason());
        assertEquals(List.of("O_NONBLOCK", "O_TRUNC"), s.step().syscall().flagNames());
        assertEquals("R", s.call().taintAdded());
        assertTrue(s.oopsHazard().orElseThrow().startsWith("forced unload while 1 reference(s) are held"),
                s.oopsHazard().toString());
        assertEquals("R", plan.taintAdded());
        assertEquals(0, plan.taintBefore());
        assertEquals(0, kernel.taintedMask(), "the kernel itself is not tainted");
        assertTrue(Kmod.simulator(kernel).explain("spare", RemoveOptions.rmmod().build()).steps().getFirst()
                .oopsHazard().isEmpty(), "no hazard without force: rmmod refuses");
        ref.release();
        assertTrue(Kmod.simulator(kernel).explain("spare", RemoveOptions.rmmod().force().build()).steps().getFirst()
                .oopsHazard().isEmpty(), "no hazard once no reference is held");
    }

    @Test
    void cascadeListsDependenciesLeftUnused() {
        Plan plan = Kmod.simulator(stack()).explain("top", RemoveOptions.modprobe().build());
        assertEquals(List.of("mid", "core"), plan.cascade());
        assertTrue(plan.succeeded());
        assertEquals(5, plan.initial().loaded());
        assertEquals(List.of(), Kmod.simulator(stack()).explain("top", RemoveOptions.rmmod().build()).cascade());
    }

    @Test
    void absentModulesAreReportedAsBuiltinOrNotLoaded() {
        Plan plan = Kmod.simulator(stack()).explain(List.of("ext4", "nosuch", "spare"), RemoveOptions.rmmod().build());
        assertEquals(List.of(new Plan.Absent("ext4", Reason.BUILTIN), new Plan.Absent("nosuch", Reason.NOT_LOADED)),
                plan.absent());
        assertFalse(plan.succeeded(), "rmmod fails for them; they are absent all the same");
        Plan modprobe = Kmod.simulator(stack()).explain("nosuch_either", RemoveOptions.modprobe().build());
        assertEquals(List.of(), modprobe.absent(), "modprobe finds no such module: not found, not absent");
    }

    @Test
    void holdersFirstOrderIsFoundAndTriedWhenTheGivenOrderFails() {
        Kmod kmod = Kmod.simulator(stack());
        Plan plan = kmod.explain(List.of("core", "mid", "top"), RemoveOptions.rmmod().build());
        assertFalse(plan.succeeded());
        assertEquals(new Plan.Order(List.of("top", "mid", "core"), true), plan.order());
        Plan stuck = kmod.explain(List.of("core", "top"), RemoveOptions.rmmod().build());
        assertEquals(new Plan.Order(List.of("top", "core"), false), stuck.order(), "mid still holds core");
        assertNull(kmod.explain(List.of("top", "mid", "core"), RemoveOptions.rmmod().build()).order(),
                "the order given works");
        assertNull(kmod.explain("core", RemoveOptions.rmmod().build()).order(), "one module: no other order");
    }

    @Test
    void removeCommandsAreReportedNeverRun() throws IOException {
        Path conf = tmp.resolve("remove.conf");
        Path marker = tmp.resolve("ran");
        Files.writeString(conf, "remove spare touch " + marker + "\n");
        AtomicInteger runs = new AtomicInteger();
        Kmod kmod = Kmod.simulator(stack()).withConfiguration(List.of(conf.toString()), tmp);
        Plan plan = kmod.explain("spare", RemoveOptions.modprobe().commands(RemoveOptions.Commands.RUN)
                .commandRunner((command, module) -> runs.incrementAndGet()).build());
        Step s = plan.steps().getFirst().step();
        assertEquals(Reason.COMMAND_NOT_RUN, s.reason());
        assertEquals("touch " + marker, s.command());
        assertEquals(0, runs.get());
        assertFalse(Files.exists(marker));
        Plan ignored = kmod.explain("spare", RemoveOptions.modprobe().commands(RemoveOptions.Commands.IGNORE).build());
        assertEquals(List.of("spare:REMOVED"), reasons(ignored), "IGNORE stays IGNORE");
    }

    @Test
    void explainTellsTheCallersListenerEveryStep() {
        List<String> heard = new ArrayList<>();
        RemovalListener listener = new RemovalListener() {
            @Override
            public void starting(String argument, String module, String command) {
                heard.add("starting " + module);
            }

            @Override
            public void finished(Step step) {
                heard.add(step.module() + ":" + step.reason());
            }
        };
        Plan plan = Kmod.simulator(stack()).explain("top", RemoveOptions.modprobe().listener(listener).build());
        assertEquals(List.of("starting top", "top:REMOVED", "starting mid", "mid:REMOVED", "starting core",
                "core:REMOVED"), heard);
        assertEquals(3, plan.steps().size());
    }

    @Test
    void explainPredictsTheSameStepsAsTheRemovalThenDoes() {
        List<RemoveOptions> options = List.of(RemoveOptions.rmmod().build(), RemoveOptions.rmmod().force().build(),
                RemoveOptions.modprobe().build(), RemoveOptions.modprobe().withHolders().build());
        for (RemoveOptions o : options) {
            for (List<String> names : List.of(List.of("top"), List.of("core", "top"), List.of("mid", "noexit", "ext4"),
                    List.of("spare", "nosuch"))) {
                Kmod kmod = Kmod.simulator(stack());
                Plan plan = kmod.explain(names, o);
                Removal removal = kmod.remove(names, o);
                assertEquals(removal.steps(), plan.removal().steps(), names + " " + o.semantics());
                assertEquals(removal.succeeded(), plan.succeeded());
                assertEquals(removal.steps(), plan.steps().stream().map(Plan.PlannedStep::step).toList());
            }
        }
    }
}
