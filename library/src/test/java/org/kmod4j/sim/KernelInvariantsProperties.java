package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.ViewException;

/**
 * The kernel's module invariants (docs/kernel-rules.md: "Check order", "Reference counting", "Module states" and
 * "Invariants"), each checked after every step of random operation sequences: loads of a small declared module set with
 * dependencies through exports/uses, {@code try_module_get}, releases of held references, writes to {@code
 * /proc/sys/kernel/tainted}, and {@code delete_module} with random flags (O_TRUNC, O_NONBLOCK, unknown bits) as root
 * and as a task without {@code CAP_SYS_MODULE}.
 *
 * <p>The kernel runs on its default virtual clock from the test thread alone: every operation completes before the
 * next starts (slow init/exit functions only advance virtual time), so after each step the kernel is quiescent.
 *
 * <p>The harness keeps its own book of the references it holds and of which incarnation of a module each one belongs
 * to (a module force-unloaded and loaded again is a new incarnation), so that "held references" and "a reference on a
 * module a forced unload freed" are known without looking inside the simulator. Every property also checks with
 * jqwik coverage that the situation it is about really occurred in the generated runs, so none passes vacuously.
 */
@StatisticsReport(StatisticsReport.StatisticsReportMode.OFF)
class KernelInvariantsProperties {
    private static final int O_TRUNC = RemoveFlag.FORCE.bit(); // 0x200
    private static final int O_NONBLOCK = RemoveFlag.NONBLOCK.bit(); // 0x800
    private static final long TAINT_R = Taint.FORCED_RMMOD.mask(); // bit 3, value 8
    private static final int TRIES = 250;

    // ---- the declared module set ---------------------------------------------------------------------------------

    /**
     * {@code base} ← {@code mid} ← {@code top} (top also uses base), {@code base} ← {@code side}; {@code perm} is
     * permanent (init, no exit), out-of-tree and unsigned, used by {@code permuser}; {@code bare} has neither init nor
     * exit; {@code broken} uses base and its init fails. {@code ghost} is not declared at all.
     */
    private static final Map<String, ModuleImage> IMAGES = new LinkedHashMap<>();

    static {
        declare(ModuleImage.builder("base").exports("base_fn")
                .init(ModuleImage.Function.taking(5)).exit(ModuleImage.Function.taking(3)).build());
        declare(ModuleImage.builder("mid").uses("base_fn").exports("mid_fn").build());
        declare(ModuleImage.builder("top").uses("mid_fn", "base_fn").exit(ModuleImage.Function.taking(20)).build());
        declare(ModuleImage.builder("side").uses("base_fn").build());
        declare(ModuleImage.builder("perm").exports("perm_fn").exit(null)
                .taints(Set.of(Taint.OOT_MODULE, Taint.UNSIGNED_MODULE)).build());
        declare(ModuleImage.builder("permuser").uses("perm_fn").build());
        declare(ModuleImage.builder("bare").init(null).exit(null).build());
        declare(ModuleImage.builder("broken").uses("base_fn").initError(Errno.ENODEV).build());
    }

    private static void declare(ModuleImage image) {
        IMAGES.put(image.name().value(), image);
    }

    /** The module that exports {@code symbol} in the declared set. */
    private static String exporterOf(String symbol) {
        for (ModuleImage image : IMAGES.values()) {
            if (image.exports().contains(symbol)) {
                return image.name().value();
            }
        }
        throw new IllegalArgumentException(symbol);
    }

    /** The declared modules {@code name} depends on through its used symbols. */
    private static Set<String> dependenciesOf(String name) {
        Set<String> deps = new TreeSet<>();
        for (String symbol : IMAGES.get(name).uses()) {
            deps.add(exporterOf(symbol));
        }
        return deps;
    }

    // ---- operations --------------------------------------------------------------------------------------------

    sealed interface Op permits Load, Get, Release, Delete, WriteTainted {
    }

    /** {@code finit_module(NAME.ko)} as root. */
    record Load(String module) implements Op {
    }

    /** {@code try_module_get(NAME)}, keeping the reference when granted. */
    record Get(String module) implements Op {
    }

    /** Releases one of the held references (index modulo the number held); nothing when none is held. */
    record Release(int pick) implements Op {
    }

    /** {@code delete_module(NAME, flags)}, as root or as a task without CAP_SYS_MODULE. */
    record Delete(String module, int flags, boolean privileged) implements Op {
        @Override
        public String toString() {
            return "Delete[" + module + ", 0x" + Integer.toHexString(flags) + (privileged ? ", root]" : ", unprivileged]");
        }
    }

    /** {@code echo VALUE > /proc/sys/kernel/tainted} (never bit 3, so that R only comes from a forced unload). */
    record WriteTainted(long value) implements Op {
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<String> name = Arbitraries.frequency(
                Tuple.of(6, "base"), Tuple.of(4, "mid"), Tuple.of(3, "top"), Tuple.of(3, "side"),
                Tuple.of(4, "perm"), Tuple.of(3, "permuser"), Tuple.of(3, "bare"), Tuple.of(2, "broken"),
                Tuple.of(1, "ghost"));
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(30, name.map(Load::new)),
                Tuple.of(22, name.map(Get::new)),
                Tuple.of(14, Arbitraries.integers().between(0, 1000).map(Release::new)),
                Tuple.of(26, Combinators.combine(name, deleteFlags()).as((n, f) -> new Delete(n, f, true))),
                Tuple.of(6, Combinators.combine(name, deleteFlags()).as((n, f) -> new Delete(n, f, false))),
                Tuple.of(3, taintWrites().map(WriteTainted::new)));
        return op.list().ofMinSize(1).ofMaxSize(80).withSizeDistribution(RandomDistribution.uniform());
    }

    /**
     * Sequences rich in the lifecycle of property (i): references taken on modules that often have no users, forced
     * deletes (three in four carry O_TRUNC), reloads of the same name, and later releases.
     */
    @Provide
    Arbitrary<List<Op>> forcedUnloadHeavyOperations() {
        Arbitrary<String> name = Arbitraries.frequency(
                Tuple.of(4, "bare"), Tuple.of(3, "side"), Tuple.of(3, "top"), Tuple.of(3, "perm"), Tuple.of(2, "base"),
                Tuple.of(2, "mid"));
        Arbitrary<Integer> flags = Combinators.combine(Arbitraries.of(O_TRUNC, O_TRUNC | O_NONBLOCK, O_TRUNC, 0),
                deleteFlags()).as((k, other) -> k | (other & ~O_TRUNC));
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                Tuple.of(30, name.map(Load::new)),
                Tuple.of(28, name.map(Get::new)),
                Tuple.of(18, Arbitraries.integers().between(0, 1000).map(Release::new)),
                Tuple.of(24, Combinators.combine(name, flags).as((n, f) -> new Delete(n, f, true))));
        return op.list().ofMinSize(1).ofMaxSize(80).withSizeDistribution(RandomDistribution.uniform());
    }

    /** O_TRUNC and O_NONBLOCK in every combination, plus nothing, well-known or random unknown bits. */
    private static Arbitrary<Integer> deleteFlags() {
        Arbitrary<Integer> known = Arbitraries.of(0, O_TRUNC, O_NONBLOCK, O_TRUNC | O_NONBLOCK);
        Arbitrary<Integer> unknown = Arbitraries.frequencyOf(
                        Tuple.of(5, Arbitraries.just(0)),
                        Tuple.of(2, Arbitraries.of(0x40000000, 0x80000000, 0x1, 0x80 /* O_EXCL */, 0x400)),
                        Tuple.of(2, Arbitraries.integers()))
                .map(bits -> bits & ~(O_TRUNC | O_NONBLOCK));
        return Combinators.combine(known, unknown).as((k, u) -> k | u);
    }

    private static Arbitrary<Long> taintWrites() {
        return Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(0L)),
                        Tuple.of(3, Arbitraries.of(Taint.USER.mask(), Taint.WARN.mask(), Taint.TEST.mask())),
                        Tuple.of(2, Arbitraries.longs().between(0, (1L << 19) - 1)),
                        Tuple.of(1, Arbitraries.longs().between(Long.MIN_VALUE, -1)))
                .map(v -> v < 0 ? v : v & ~TAINT_R);
    }

    // ---- what the harness sees -----------------------------------------------------------------------------------

    /** One line of {@code /proc/modules}. */
    record ProcLine(String name, int refcount, List<String> usedBy, boolean permanent, String state) {
        boolean live() {
            return state.equals(ModuleState.LIVE.procText());
        }
    }

    /** Everything observable about the kernel, plus the harness's book of the references it holds. */
    record Snapshot(String procText, Map<String, ProcLine> proc, Map<String, LoadedModule> loaded,
                    List<String> sysModuleDir, Map<String, Set<String>> sysHolders, Map<String, Integer> sysRefcnt,
                    Map<String, String> sysInitstate, long taint, String taintFile, int oopses, List<String> log,
                    long nowMillis, Map<String, Integer> incarnations, Map<String, Integer> liveHeld) {

        int liveHeld(String name) {
            return liveHeld.getOrDefault(name, 0);
        }

        boolean has(String name) {
            return proc.containsKey(name);
        }
    }

    /** A reference the harness holds: on which incarnation of the module it was granted. */
    record Held(ModuleReference ref, String module, int incarnation) {
    }

    /** What an operation returned. */
    record Outcome(SyscallResult result, Boolean granted, Held released, boolean releasedStale, Oops oops) {
        static Outcome of(SyscallResult result) {
            return new Outcome(result, null, null, false, null);
        }

        boolean ok() {
            return result != null && result.isOk();
        }
    }

    /** One applied operation. */
    record Step(int index, Op op, Snapshot before, Outcome outcome, Snapshot after) {
    }

    /** A kernel with the declared modules, a task without CAP_SYS_MODULE, and the book of held references. */
    static final class Harness {
        final SimulatedKernel kernel;
        final Task unprivileged;
        /** The incarnation of each module the harness believes loaded (a new number per successful load). */
        final Map<String, Integer> incarnation = new HashMap<>();
        final List<Held> held = new ArrayList<>();
        final List<Op> history = new ArrayList<>();
        private int nextIncarnation;

        Harness() {
            this(KernelConfig.debian());
        }

        Harness(KernelConfig config) {
            SimulatedKernel.Builder builder = SimulatedKernel.builder().config(config);
            IMAGES.values().forEach(builder::module);
            kernel = builder.build();
            unprivileged = kernel.newTask("user");
            unprivileged.dropCapSysModule();
        }

        Step apply(Op op) {
            Snapshot before = snapshot();
            history.add(op);
            Outcome outcome = switch (op) {
                case Load l -> {
                    SyscallResult r = kernel.loadModule(l.module(), "");
                    if (r.isOk()) {
                        incarnation.put(l.module(), ++nextIncarnation);
                    }
                    yield Outcome.of(r);
                }
                case Get g -> {
                    Optional<ModuleReference> ref = kernel.tryModuleGet(g.module());
                    ref.ifPresent(r -> held.add(new Held(r, g.module(), incarnation.getOrDefault(g.module(), -1))));
                    yield new Outcome(null, ref.isPresent(), null, false, null);
                }
                case Release r -> {
                    if (held.isEmpty()) {
                        yield new Outcome(null, null, null, false, null);
                    }
                    Held h = held.remove(r.pick() % held.size());
                    boolean stale = !Integer.valueOf(h.incarnation()).equals(incarnation.get(h.module()));
                    Oops oops = h.ref().release();
                    yield new Outcome(null, null, h, stale, oops);
                }
                case Delete d -> {
                    SyscallResult r = d.privileged()
                            ? kernel.deleteModule(d.module(), d.flags())
                            : unprivileged.deleteModule(d.module(), d.flags());
                    if (r.isOk()) {
                        incarnation.remove(d.module());
                    }
                    yield Outcome.of(r);
                }
                case WriteTainted w -> Outcome.of(kernel.writeFile("/proc/sys/kernel/tainted", Long.toString(w.value())));
            };
            return new Step(history.size(), op, before, outcome, snapshot());
        }

        Snapshot snapshot() {
            try {
                String procText = kernel.readFile("/proc/modules");
                Map<String, ProcLine> proc = parseProcModules(procText);
                Map<String, LoadedModule> loaded = new LinkedHashMap<>();
                for (LoadedModule m : kernel.loadedModules()) {
                    loaded.put(m.name().value(), m);
                }
                Map<String, Set<String>> sysHolders = new TreeMap<>();
                Map<String, Integer> sysRefcnt = new TreeMap<>();
                Map<String, String> sysInitstate = new TreeMap<>();
                for (String name : proc.keySet()) {
                    String dir = "/sys/module/" + name;
                    sysHolders.put(name, new TreeSet<>(kernel.listDirectory(dir + "/holders")));
                    sysRefcnt.put(name, Integer.parseInt(kernel.readFile(dir + "/refcnt").strip()));
                    sysInitstate.put(name, kernel.readFile(dir + "/initstate").strip());
                }
                Map<String, Integer> liveHeld = new TreeMap<>();
                for (Held h : held) {
                    if (Integer.valueOf(h.incarnation()).equals(incarnation.get(h.module()))) {
                        liveHeld.merge(h.module(), 1, Integer::sum);
                    }
                }
                return new Snapshot(procText, proc, loaded, kernel.listDirectory("/sys/module"), sysHolders,
                        sysRefcnt, sysInitstate, kernel.taintedMask(), kernel.readFile("/proc/sys/kernel/tainted"),
                        kernel.oopses().size(), kernel.log().lines(), kernel.clock().nowMillis(),
                        Map.copyOf(incarnation), liveHeld);
            } catch (ViewException e) {
                throw new AssertionError("a kernel view failed after " + history + ": " + e.getMessage(), e);
            }
        }

        /** The context of a failure: the operations so far and the module list. */
        Supplier<String> context(Step step, String rule) {
            return () -> rule + "\n  step " + step.index() + ": " + step.op() + " -> " + describe(step.outcome())
                    + "\n  history: " + history
                    + "\n  /proc/modules before:\n" + indent(step.before().procText())
                    + "  /proc/modules after:\n" + indent(step.after().procText())
                    + "  held references (module, incarnation): " + held.stream()
                            .map(h -> h.module() + "#" + h.incarnation()).toList()
                    + "\n  loaded incarnations: " + incarnation;
        }

        private static String describe(Outcome o) {
            if (o.result() != null) {
                return o.result().toString();
            }
            if (o.granted() != null) {
                return o.granted() ? "granted" : "refused";
            }
            if (o.released() != null) {
                return "released " + o.released().module() + "#" + o.released().incarnation()
                        + (o.releasedStale() ? " (stale)" : "") + (o.oops() != null ? ", oops " + o.oops() : "");
            }
            return "nothing held";
        }

        private static String indent(String text) {
            StringBuilder out = new StringBuilder();
            for (String line : text.split("\n")) {
                if (!line.isEmpty()) {
                    out.append("    ").append(line).append('\n');
                }
            }
            return out.isEmpty() ? "    (empty)\n" : out.toString();
        }
    }

    /** Parses {@code name size refcount used-by state address [(taints)]} lines. */
    static Map<String, ProcLine> parseProcModules(String text) {
        Map<String, ProcLine> lines = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(" ");
            List<String> usedBy = new ArrayList<>();
            boolean permanent = false;
            if (!f[3].equals("-")) {
                assertTrue(f[3].endsWith(","), () -> "used-by column without its trailing comma: " + line);
                for (String user : f[3].split(",")) {
                    if (user.equals("[permanent]")) {
                        permanent = true;
                    } else {
                        usedBy.add(user);
                    }
                }
            }
            lines.put(f[0], new ProcLine(f[0], Integer.parseInt(f[2]), usedBy, permanent, f[4]));
        }
        return lines;
    }

    private static boolean forced(Delete d) {
        return (d.flags() & O_TRUNC) != 0;
    }

    /**
     * Records whether a situation occurred in this try, and requires it in at least {@code minTries} of the tries. Each minimum is about a quarter of what the generators give on average, so a random seed
     * falls short with negligible probability while a generator that stopped producing the situation fails at once.
     */
    private static void requireCoverage(String label, boolean occurred, int minTries) {
        Statistics.label(label).collect(occurred);
        Statistics.label(label).coverage(c -> c.check(true).count(n -> n >= minTries));
    }

    // ---- (a) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "What the count counts": one per held try_module_get reference plus one per using module.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void procModulesRefcountEqualsHeldReferencesPlusHolders(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawRefsAndUsers = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            for (ProcLine line : s.after().proc().values()) {
                if (!line.live()) {
                    continue;
                }
                int expected = s.after().liveHeld(line.name()) + line.usedBy().size();
                assertEquals(expected, line.refcount(), h.context(s, "refcount of " + line.name()
                        + " != held references (" + s.after().liveHeld(line.name()) + ") + users " + line.usedBy()));
                sawRefsAndUsers |= s.after().liveHeld(line.name()) > 0 && !line.usedBy().isEmpty();
            }
        }
        requireCoverage("a LIVE module had both held references and users", sawRefsAndUsers, 25);
    }

    // ---- (b) -------------------------------------------------------------------------------------------------------

    /** docs/kernel-rules.md, "Invariants": holders/ in sysfs == source_list == the used-by column, as sets. */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void holdersInSysfsEqualUsedByInProcModulesAndLoadedModuleHolders(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawHolders = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            assertEquals(s.after().proc().keySet(), s.after().loaded().keySet(),
                    h.context(s, "loadedModules() and /proc/modules list different modules"));
            for (ProcLine line : s.after().proc().values()) {
                Set<String> procUsers = new TreeSet<>(line.usedBy());
                Set<String> apiUsers = new TreeSet<>();
                for (ModuleName n : s.after().loaded().get(line.name()).holders()) {
                    apiUsers.add(n.value());
                }
                assertEquals(procUsers, s.after().sysHolders().get(line.name()),
                        h.context(s, "/sys/module/" + line.name() + "/holders != used-by of /proc/modules"));
                assertEquals(procUsers, apiUsers,
                        h.context(s, "LoadedModule.holders() of " + line.name() + " != used-by of /proc/modules"));
                assertEquals(procUsers.size(), line.usedBy().size(),
                        h.context(s, "a user is listed twice in the used-by column of " + line.name()));
                sawHolders |= !procUsers.isEmpty();
            }
        }
        requireCoverage("a module had holders", sawHolders, 40);
    }

    /**
     * docs/kernel-rules.md, "Dependencies": the users of a module are exactly the loaded modules that resolved one of
     * its exports.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void usedByListsExactlyTheLoadedModulesThatUseItsExports(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawTwoUsers = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            for (ProcLine line : s.after().proc().values()) {
                Set<String> expected = new TreeSet<>();
                for (String other : s.after().proc().keySet()) {
                    if (dependenciesOf(other).contains(line.name())) {
                        expected.add(other);
                    }
                }
                assertEquals(expected, new TreeSet<>(line.usedBy()),
                        h.context(s, "used-by of " + line.name() + " is not the loaded modules that use it"));
                sawTwoUsers |= expected.size() >= 2;
            }
        }
        requireCoverage("a module had two or more users", sawTwoUsers, 20);
    }

    // ---- (c) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Check order" step 6: a module with users is never unloaded; delete_module gives
     * EWOULDBLOCK whatever the flags (O_TRUNC included), and no user is ever left behind without the module it uses.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void moduleWithUsersIsNeverUnloadedAndItsDeleteFailsWithEwouldblockWhateverTheFlags(
            @ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawForcedDeleteWithUsers = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            for (ProcLine line : s.before().proc().values()) {
                if (!line.usedBy().isEmpty()) {
                    assertTrue(s.after().has(line.name()),
                            h.context(s, line.name() + " vanished while it had users " + line.usedBy()));
                }
            }
            for (ProcLine line : s.after().proc().values()) {
                for (String user : line.usedBy()) {
                    assertTrue(s.after().has(user), h.context(s, "user " + user + " of " + line.name() + " not loaded"));
                }
                for (String dep : dependenciesOf(line.name())) {
                    assertTrue(s.after().has(dep), h.context(s, line.name() + " is loaded without its dependency " + dep));
                }
            }
            if (s.op() instanceof Delete d && d.privileged() && s.before().has(d.module())
                    && !s.before().proc().get(d.module()).usedBy().isEmpty()) {
                assertEquals(Errno.EWOULDBLOCK, s.outcome().result().error(),
                        h.context(s, "delete of " + d.module() + " with users did not fail with EWOULDBLOCK"));
                assertEquals(s.before().procText(), s.after().procText(),
                        h.context(s, "a refused delete of a module with users changed /proc/modules"));
                sawForcedDeleteWithUsers |= forced(d);
            }
        }
        requireCoverage("O_TRUNC delete of a module with users", sawForcedDeleteWithUsers, 15);
    }

    // ---- (d) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Decision table": a module with references held is unloaded only when O_TRUNC forces it
     * (FORCE_UNLOAD on), and the forced unload taints the kernel with R (bit 3, value 8); without O_TRUNC the delete
     * fails with EWOULDBLOCK (EBUSY for a permanent module) and nothing changes.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void moduleWithHeldReferencesIsUnloadedOnlyWithOTruncAndThenTaintsR(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawRefusal = false;
        boolean sawForcedUnload = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            if (!(s.op() instanceof Delete d) || !d.privileged() || s.before().liveHeld(d.module()) == 0) {
                continue;
            }
            if (s.outcome().ok()) {
                assertTrue(forced(d), h.context(s, d.module() + " with references held was unloaded without O_TRUNC"));
                assertNotEquals(0L, s.after().taint() & TAINT_R,
                        h.context(s, "forced unload past held references did not taint R"));
                sawForcedUnload = true;
            } else if (!forced(d)) {
                // Users come first (EWOULDBLOCK), then permanence (EBUSY), then the references (EWOULDBLOCK).
                assertEquals(expectedDelete(d, s.before()), s.outcome().result().error(),
                        h.context(s, "delete without O_TRUNC of a module with references held"));
                assertEquals(s.before().procText(), s.after().procText(),
                        h.context(s, "a refused delete of a module with references changed /proc/modules"));
                sawRefusal = true;
            }
        }
        requireCoverage("delete without O_TRUNC refused because of held references", sawRefusal, 10);
        requireCoverage("O_TRUNC unloaded a module with held references", sawForcedUnload, 10);
    }

    /**
     * docs/kernel-rules.md, "Check order" step 9: with CONFIG_MODULE_FORCE_UNLOAD=n, O_TRUNC forces nothing and never
     * taints R.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void withoutForceUnloadConfigOTruncNeverUnloadsAModuleWithHeldReferences(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness(KernelConfig.debian().withForceUnload(false));
        boolean sawForcedAttempt = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            assertEquals(0L, s.after().taint() & TAINT_R, h.context(s, "R taint without CONFIG_MODULE_FORCE_UNLOAD"));
            if (s.op() instanceof Delete d && d.privileged() && s.before().liveHeld(d.module()) > 0) {
                assertFalse(s.outcome().ok(), h.context(s, "unloaded with references held and force unload off"));
                assertTrue(s.after().has(d.module()), h.context(s, d.module() + " vanished"));
                sawForcedAttempt |= forced(d);
            }
            if (s.op() instanceof Delete d && d.privileged() && s.outcome().ok()) {
                assertFalse(IMAGES.get(d.module()).permanent(),
                        h.context(s, "a permanent module was unloaded with force unload off"));
            }
        }
        requireCoverage("O_TRUNC delete of a module with references, force unload off", sawForcedAttempt, 15);
    }

    // ---- (e) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Taint": add_taint only ORs bits in; nothing (unload, failed load, writing 0) ever clears
     * one.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void taintMaskNeverLosesABit(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawTaintThenChange = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            long lost = s.before().taint() & ~s.after().taint();
            assertEquals(0L, lost, h.context(s, "taint bits lost: 0x" + Long.toHexString(lost)));
            assertEquals(s.after().taint() + "\n", s.after().taintFile(),
                    h.context(s, "/proc/sys/kernel/tainted disagrees with the taint mask"));
            sawTaintThenChange |= s.before().taint() != 0 && !s.before().procText().equals(s.after().procText());
        }
        requireCoverage("the module list changed on a tainted kernel", sawTaintThenChange, 50);
    }

    /**
     * docs/kernel-rules.md, "Invariants": taint bit 3 (R) is set only by a delete that forced past references or a
     * permanent module.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void forcedRmmodTaintAppearsOnlyWhenADeleteForcedPastReferencesOrPermanence(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawTaintingDelete = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            boolean gained = (s.before().taint() & TAINT_R) == 0 && (s.after().taint() & TAINT_R) != 0;
            if (!gained) {
                continue;
            }
            boolean forcedPast = s.op() instanceof Delete d && d.privileged() && forced(d) && s.outcome().ok()
                    && (s.before().liveHeld(d.module()) > 0 || IMAGES.get(d.module()).permanent());
            assertTrue(forcedPast, h.context(s, "R taint appeared without a forced unload past references/permanence"));
            sawTaintingDelete = true;
        }
        requireCoverage("a forced delete tainted R", sawTaintingDelete, 15);
    }

    // ---- (f) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Check order" step 1: without CAP_SYS_MODULE, EPERM before anything else, and no change.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void deleteWithoutCapSysModuleGivesEpermAndChangesNothing(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawOnLoadedModule = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            if (!(s.op() instanceof Delete d) || d.privileged()) {
                continue;
            }
            assertEquals(Errno.EPERM, s.outcome().result().error(), h.context(s, "unprivileged delete not EPERM"));
            Snapshot b = s.before();
            Snapshot a = s.after();
            assertEquals(b.procText(), a.procText(), h.context(s, "unprivileged delete changed /proc/modules"));
            assertEquals(b.sysModuleDir(), a.sysModuleDir(), h.context(s, "unprivileged delete changed /sys/module"));
            assertEquals(b.sysHolders(), a.sysHolders(), h.context(s, "unprivileged delete changed holders/"));
            assertEquals(b.sysRefcnt(), a.sysRefcnt(), h.context(s, "unprivileged delete changed refcnt"));
            assertEquals(b.sysInitstate(), a.sysInitstate(), h.context(s, "unprivileged delete changed initstate"));
            assertEquals(b.taint(), a.taint(), h.context(s, "unprivileged delete changed the taint mask"));
            assertEquals(b.oopses(), a.oopses(), h.context(s, "unprivileged delete oopsed"));
            assertEquals(b.log(), a.log(), h.context(s, "unprivileged delete wrote to the kernel log"));
            assertEquals(b.nowMillis(), a.nowMillis(), h.context(s, "unprivileged delete took virtual time"));
            sawOnLoadedModule |= b.has(d.module()) && forced(d);
        }
        requireCoverage("unprivileged O_TRUNC delete of a loaded module", sawOnLoadedModule, 15);
    }

    // ---- (g) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "What free_module does": a successful delete removes exactly that module (from
     * /proc/modules and /sys/module), and each module it used loses exactly one reference and one user; every other
     * module is unchanged.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void successfulDeleteRemovesExactlyThatModule(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawDeleteOfAUser = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            if (!(s.op() instanceof Delete d) || !s.outcome().ok()) {
                continue;
            }
            String gone = d.module();
            Set<String> expected = new TreeSet<>(s.before().proc().keySet());
            assertTrue(expected.remove(gone), h.context(s, "delete succeeded on a module that was not loaded"));
            assertEquals(expected, new TreeSet<>(s.after().proc().keySet()),
                    h.context(s, "the successful delete did not remove exactly " + gone));
            assertFalse(s.after().sysModuleDir().contains(gone), h.context(s, "/sys/module/" + gone + " survived"));
            try {
                h.kernel.readFile("/sys/module/" + gone + "/initstate");
                fail(h.context(s, "/sys/module/" + gone + "/initstate still readable").get());
            } catch (ViewException e) {
                assertEquals(Errno.ENOENT, e.errno());
            }
            for (ProcLine before : s.before().proc().values()) {
                if (before.name().equals(gone)) {
                    continue;
                }
                ProcLine after = s.after().proc().get(before.name());
                boolean target = before.usedBy().contains(gone);
                assertEquals(before.refcount() - (target ? 1 : 0), after.refcount(),
                        h.context(s, "refcount of " + before.name() + " after deleting " + gone));
                List<String> expectedUsers = new ArrayList<>(before.usedBy());
                expectedUsers.remove(gone);
                assertEquals(expectedUsers, after.usedBy(),
                        h.context(s, "used-by of " + before.name() + " after deleting " + gone));
                sawDeleteOfAUser |= target;
            }
        }
        requireCoverage("a successful delete of a module that used others", sawDeleteOfAUser, 20);
    }

    /**
     * docs/kernel-rules.md, "Check order": every failing check comes before anything changes, so a failed delete leaves
     * all as it was.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void failedDeleteLeavesEveryModuleAsItWas(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawFailureOnLoaded = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            if (!(s.op() instanceof Delete d) || s.outcome().ok()) {
                continue;
            }
            assertEquals(s.before().procText(), s.after().procText(), h.context(s, "a failed delete changed modules"));
            assertEquals(s.before().taint(), s.after().taint(), h.context(s, "a failed delete tainted the kernel"));
            assertEquals(s.before().oopses(), s.after().oopses(), h.context(s, "a failed delete oopsed"));
            sawFailureOnLoaded |= d.privileged() && s.before().has(d.module());
        }
        requireCoverage("a failed root delete of a loaded module", sawFailureOnLoaded, 30);
    }

    // ---- (h) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Invariants": module_refcount() is never below 0 for a LIVE module, and every view shows
     * the same value.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void refcountNeverBelowZeroForLiveModules(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        int liveLinesChecked = 0;
        for (Op op : ops) {
            Step s = h.apply(op);
            for (ProcLine line : s.after().proc().values()) {
                // Every operation here runs to its end before the next one, so nothing is left COMING or GOING.
                assertTrue(line.live(), h.context(s, line.name() + " left in state " + line.state()));
                assertEquals("live", s.after().sysInitstate().get(line.name()), h.context(s, "initstate"));
                assertTrue(line.refcount() >= 0, h.context(s, "refcount of LIVE " + line.name() + " below 0"));
                assertEquals(line.refcount(), s.after().sysRefcnt().get(line.name()),
                        h.context(s, "/sys/module/" + line.name() + "/refcnt != /proc/modules refcount"));
                assertEquals(line.refcount(), s.after().loaded().get(line.name()).refcount(),
                        h.context(s, "LoadedModule.refcount() != /proc/modules refcount"));
                liveLinesChecked++;
            }
        }
        requireCoverage("at least one LIVE module checked", liveLinesChecked > 0, 150);
    }

    // ---- (i) -------------------------------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "The base reference": after a forced unload with references outstanding, each later
     * module_put on that module touches freed memory. The simulator must report each one in oopses() (never silently),
     * and must not let it touch a module loaded again under the same name; releasing a reference on a module still
     * loaded is no oops.
     */
    @Property(tries = 2 * TRIES, edgeCases = EdgeCasesMode.NONE)
    void releasingAReferenceOnAModuleAForcedUnloadFreedIsReportedAsAnOops(
            @ForAll("forcedUnloadHeavyOperations") List<Op> ops) {
        Harness h = new Harness();
        boolean sawStale = false;
        boolean sawStaleAfterReload = false;
        for (Op op : ops) {
            Step s = h.apply(op);
            Outcome o = s.outcome();
            if (!(s.op() instanceof Release) || o.released() == null) {
                assertEquals(s.before().oopses(), s.after().oopses(), h.context(s, "an oops outside a release"));
                continue;
            }
            String module = o.released().module();
            if (o.releasedStale()) {
                assertNotNull(o.oops(), h.context(s, "release on a force-unloaded module returned no oops"));
                assertEquals(module, o.oops().module(), h.context(s, "the oops names another module"));
                assertEquals(s.before().oopses() + 1, s.after().oopses(),
                        h.context(s, "the oops is not recorded in kernel.oopses()"));
                assertEquals(s.before().procText(), s.after().procText(),
                        h.context(s, "a put on a freed module changed a live module"));
                sawStale = true;
                sawStaleAfterReload |= s.before().has(module);
            } else {
                assertNull(o.oops(), h.context(s, "release on a loaded module oopsed"));
                assertEquals(s.before().oopses(), s.after().oopses(), h.context(s, "release on a loaded module oopsed"));
                assertEquals(s.before().proc().get(module).refcount() - 1, s.after().proc().get(module).refcount(),
                        h.context(s, "release did not drop exactly one reference of " + module));
            }
        }
        requireCoverage("released a reference on a force-unloaded module", sawStale, 40);
        requireCoverage("released a stale reference while the name was loaded again", sawStaleAfterReload, 8);
    }

    // ---- the whole decision table ----------------------------------------------------------------------------------

    /**
     * docs/kernel-rules.md, "Check order", "Decision table" and "Module states": on a quiescent kernel every result is
     * predictable: load gives ENOENT (no file or an unresolved symbol), EEXIST (loaded) or init's error; try_module_get
     * succeeds exactly on loaded modules; delete_module gives EPERM, ENOENT, EWOULDBLOCK (users), EBUSY (permanent,
     * unforced), EWOULDBLOCK (references, unforced) or OK, whatever O_NONBLOCK and the unknown bits say.
     */
    @Property(tries = TRIES, edgeCases = EdgeCasesMode.NONE)
    void everyResultFollowsTheDecisionTable(@ForAll("operations") List<Op> ops) {
        Harness h = new Harness();
        Set<Object> outcomes = new HashSet<>();
        for (Op op : ops) {
            Step s = h.apply(op);
            Snapshot b = s.before();
            switch (s.op()) {
                case Load l -> {
                    Errno expected = expectedLoad(l.module(), b);
                    assertEquals(expected, s.outcome().result().error(), h.context(s, "load result"));
                    outcomes.add("load " + expected);
                }
                case Get g -> {
                    assertEquals(b.has(g.module()), s.outcome().granted(), h.context(s, "try_module_get result"));
                    outcomes.add("get " + s.outcome().granted());
                }
                case Delete d -> {
                    Errno expected = expectedDelete(d, b);
                    assertEquals(expected, s.outcome().result().error(), h.context(s, "delete_module result"));
                    outcomes.add("delete " + expected);
                }
                case WriteTainted w -> assertEquals(w.value() < 0 ? Errno.EINVAL : null, s.outcome().result().error(),
                        h.context(s, "write of /proc/sys/kernel/tainted"));
                case Release r -> {
                }
            }
        }
        requireCoverage("delete gave OK", outcomes.contains("delete null"), 50);
        requireCoverage("delete gave EWOULDBLOCK", outcomes.contains("delete EWOULDBLOCK"), 25);
        requireCoverage("delete gave EBUSY", outcomes.contains("delete EBUSY"), 12);
        requireCoverage("load gave EEXIST", outcomes.contains("load EEXIST"), 50);
        requireCoverage("load gave ENODEV", outcomes.contains("load ENODEV"), 20);
    }

    private static Errno expectedLoad(String name, Snapshot before) {
        ModuleImage image = IMAGES.get(name);
        if (image == null) {
            return Errno.ENOENT;
        }
        if (before.has(name)) {
            return Errno.EEXIST;
        }
        for (String dep : dependenciesOf(name)) {
            if (!before.has(dep)) {
                return Errno.ENOENT;
            }
        }
        return image.initError().orElse(null);
    }

    private static Errno expectedDelete(Delete d, Snapshot before) {
        if (!d.privileged()) {
            return Errno.EPERM;
        }
        if (!before.has(d.module())) {
            return Errno.ENOENT;
        }
        if (!before.proc().get(d.module()).usedBy().isEmpty()) {
            return Errno.EWOULDBLOCK;
        }
        if (IMAGES.get(d.module()).permanent() && !forced(d)) {
            return Errno.EBUSY;
        }
        if (before.liveHeld(d.module()) > 0 && !forced(d)) {
            return Errno.EWOULDBLOCK;
        }
        return null;
    }
}
