package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.time.RealClock;

/**
 * Real threads against a kernel on {@link RealClock}, with modules whose init and exit take 0 ms: many threads take
 * and drop references, load and delete the same few modules at once, for a fixed number of iterations (not for a
 * fixed time). The checks use the threads' own books of the references they hold, never the simulator's internals.
 *
 * <p>How "no reference is granted once a module is GOING" is checked: in a run without O_TRUNC, a module with a
 * reference held cannot be stopped, so a reference that was correctly granted keeps its module visible and LIVE (or
 * still COMING) for as long as it is held. Right after every successful get the thread reads the module's
 * {@code initstate} and {@code refcnt}; a reference granted to a module already past its stop would show it
 * {@code going}, gone, or with a count below the thread's own references. The module's release then goes to freed
 * memory, which the kernel reports as an oops, so a run without force must end with no oops and no WARN. Besides,
 * every {@code Unloading} line of {@code /proc/modules} seen during the run must show -1 (a normal stop leaves no
 * reference), which a late get would break.
 */
class ConcurrentUnloadStressTest {
    private static final int O_TRUNC = RemoveFlag.FORCE.bit();
    private static final int O_NONBLOCK = RemoveFlag.NONBLOCK.bit();
    private static final int THREADS = 8;
    private static final int ITERATIONS = 20_000;
    private static final long JOIN_SECONDS = 60;
    private static final long RELEASE_STARTED = 1L << 32;
    private static final long HELD_MASK = RELEASE_STARTED - 1;

    private static final List<String> MODULES = List.of("alpha", "beta", "gamma", "user", "delta");

    /**
     * {@code alpha} (exports alpha_fn) ← {@code user}; {@code beta} and {@code gamma} (which has a device) stand
     * alone; init and exit take 0 ms. {@code delta} alone has an exit of 1 ms: with 0 ms exits a module is GOING for
     * only the instant between two mutex sections, which other threads practically never see, so delta is what makes
     * "no reference is granted to a GOING module" observable.
     */
    private static SimulatedKernel newKernel() {
        return SimulatedKernel.builder().clock(new RealClock())
                .module(ModuleImage.builder("alpha").exports("alpha_fn")
                        .init(ModuleImage.Function.taking(0)).exit(ModuleImage.Function.taking(0)).build())
                .module(ModuleImage.builder("beta")
                        .init(ModuleImage.Function.taking(0)).exit(ModuleImage.Function.taking(0)).build())
                .module(ModuleImage.builder("gamma").device("/dev/gamma")
                        .init(ModuleImage.Function.taking(0)).exit(ModuleImage.Function.taking(0)).build())
                .module(ModuleImage.builder("user").uses("alpha_fn")
                        .init(ModuleImage.Function.taking(0)).exit(ModuleImage.Function.taking(0)).build())
                .module(ModuleImage.builder("delta")
                        .init(ModuleImage.Function.taking(0)).exit(ModuleImage.Function.taking(1)).build())
                .build();
    }

    /** Per-module counters shared by all threads. */
    private static final class Book {
        /**
         * Per module, one atomic word: the low 32 bits count the references threads hold (added after the get
         * returned), the high 32 bits the releases started (added before the kernel sees the put, in the same atomic
         * step that drops the held count). One read gives a consistent pair.
         */
        final Map<String, AtomicLong> holds = new TreeMap<>();
        final Map<String, AtomicInteger> loadsOk = new TreeMap<>();
        final Map<String, AtomicInteger> deletesOk = new TreeMap<>();
        final AtomicInteger getsOk = new AtomicInteger();
        final AtomicInteger getsRefused = new AtomicInteger();
        final AtomicInteger deletesRefusedForReferences = new AtomicInteger();
        final AtomicInteger alphaDeletesRefused = new AtomicInteger();
        final AtomicInteger forcedDeletesOk = new AtomicInteger();
        final AtomicInteger oopsesReturned = new AtomicInteger();
        final AtomicInteger procModulesReads = new AtomicInteger();
        final Queue<String> violations = new ConcurrentLinkedQueue<>();

        Book() {
            for (String m : MODULES) {
                holds.put(m, new AtomicLong());
                loadsOk.put(m, new AtomicInteger());
                deletesOk.put(m, new AtomicInteger());
            }
        }

        void violation(String text) {
            if (violations.size() < 20) {
                violations.add(Thread.currentThread().getName() + ": " + text);
            }
        }
    }

    /** One worker's loop: random operations; {@code forceEvery} > 0 adds O_TRUNC to one delete in that many. */
    private static Runnable worker(SimulatedKernel kernel, Book book, int id, int forceEvery) {
        return () -> {
            Random random = new Random(0x5EED_0000L + id * 7919L + forceEvery);
            List<ModuleReference> mine = new ArrayList<>();
            for (int i = 0; i < ITERATIONS; i++) {
                String module = MODULES.get(random.nextInt(MODULES.size()));
                int dice = random.nextInt(100);
                if (dice < 30) {
                    // At most two references per thread, so that modules are often free of them and deletes succeed.
                    if (mine.size() < 2) {
                        get(kernel, book, module, mine, forceEvery == 0);
                    }
                } else if (dice < 55) {
                    if (!mine.isEmpty()) {
                        release(book, mine.remove(random.nextInt(mine.size())), forceEvery == 0);
                    }
                } else if (dice < 75) {
                    load(kernel, book, module);
                } else if (dice < 97) {
                    boolean force = forceEvery > 0 && random.nextInt(forceEvery) == 0;
                    delete(kernel, book, module, flags(random, force), mine, forceEvery == 0);
                } else {
                    readProcModules(kernel, book, forceEvery == 0);
                }
            }
            for (ModuleReference ref : mine) {
                release(book, ref, forceEvery == 0);
            }
        };
    }

    /** Flags as callers pass them: 0, O_NONBLOCK, unknown bits; O_TRUNC only when {@code force}. */
    private static int flags(Random random, boolean force) {
        int[] choices = {0, O_NONBLOCK, O_NONBLOCK, 0x40000000 | O_NONBLOCK, 0x1};
        return choices[random.nextInt(choices.length)] | (force ? O_TRUNC : 0);
    }

    private static void get(SimulatedKernel kernel, Book book, String module, List<ModuleReference> mine,
                            boolean noForceRun) {
        Optional<ModuleReference> ref = module.equals("gamma") && (mine.size() & 1) == 0
                ? Optional.ofNullable(kernel.openDevice("/dev/gamma").reference())
                : kernel.tryModuleGet(module);
        if (ref.isEmpty()) {
            book.getsRefused.incrementAndGet();
            return;
        }
        book.holds.get(module).incrementAndGet();
        book.getsOk.incrementAndGet();
        mine.add(ref.get());
        if (!noForceRun) {
            return;
        }
        // Granted: the module cannot have been stopped, and cannot be while this reference is held.
        long ownOnModule = mine.stream().filter(r -> r.moduleName().equals(module)).count();
        try {
            String state = kernel.readFile("/sys/module/" + module + "/initstate").strip();
            if (!state.equals("live") && !state.equals("coming")) {
                book.violation("got a reference on " + module + " whose initstate is " + state);
            }
            int refcnt = Integer.parseInt(kernel.readFile("/sys/module/" + module + "/refcnt").strip());
            if (refcnt < ownOnModule) {
                book.violation("refcnt of " + module + " is " + refcnt + " while this thread holds " + ownOnModule);
            }
        } catch (ViewException e) {
            book.violation("got a reference on " + module + " but its sysfs directory is gone: " + e.getMessage());
        }
    }

    private static void release(Book book, ModuleReference ref, boolean noForceRun) {
        String module = ref.moduleName();
        // One held reference fewer, one release more, before the kernel sees the put: a delete that saw no new
        // release started during its call did not race with this put.
        book.holds.get(module).addAndGet(RELEASE_STARTED - 1);
        Oops oops = ref.release();
        if (oops != null) {
            book.oopsesReturned.incrementAndGet();
            if (!oops.module().equals(module)) {
                book.violation("release of a reference on " + module + " oopsed on " + oops.module());
            }
            if (noForceRun) {
                book.violation("oops without any forced unload: " + oops);
            }
        }
    }

    private static void load(SimulatedKernel kernel, Book book, String module) {
        SyscallResult r = kernel.loadModule(module, "");
        if (r.isOk()) {
            book.loadsOk.get(module).incrementAndGet();
        } else if (!Set.of(Errno.EEXIST, Errno.EBUSY, Errno.ENOENT).contains(r.error())
                || (r.error() == Errno.ENOENT && !module.equals("user"))) {
            book.violation("load of " + module + " gave " + r);
        }
    }

    private static void delete(SimulatedKernel kernel, Book book, String module, int flags,
                               List<ModuleReference> mine, boolean noForceRun) {
        boolean forced = (flags & O_TRUNC) != 0;
        long ownOnModule = mine.stream().filter(r -> r.moduleName().equals(module)).count();
        long before = book.holds.get(module).get();
        SyscallResult r = kernel.deleteModule(module, flags);
        long after = book.holds.get(module).get();
        long heldBefore = before & HELD_MASK;
        long releasesDuring = (after >>> 32) - (before >>> 32);
        if (r.isOk()) {
            book.deletesOk.get(module).incrementAndGet();
            if (forced) {
                book.forcedDeletesOk.incrementAndGet();
            } else if (noForceRun) {
                // Without force and without any forced unload in the run, every reference counted as held belongs
                // to this incarnation. Fewer releases started during the call than references held before it means
                // at least one of them was held for the whole call: the module was unloaded with a reference held.
                if (ownOnModule > 0) {
                    book.violation("delete(" + module + ", 0x" + Integer.toHexString(flags)
                            + ") succeeded while this very thread holds " + ownOnModule + " reference(s) on it");
                }
                if (heldBefore > 0 && releasesDuring < heldBefore) {
                    book.violation("delete(" + module + ", 0x" + Integer.toHexString(flags) + ") succeeded while "
                            + (heldBefore - releasesDuring) + " reference(s) stayed held throughout");
                }
            }
            return;
        }
        switch (r.error()) {
            case ENOENT, EBUSY -> {
            }
            case EWOULDBLOCK -> {
                if (module.equals("alpha")) {
                    book.alphaDeletesRefused.incrementAndGet(); // its user, or references
                } else {
                    book.deletesRefusedForReferences.incrementAndGet();
                }
            }
            default -> book.violation("delete of " + module + " gave " + r);
        }
        if (!forced && ownOnModule > 0 && noForceRun && r.error() == Errno.ENOENT) {
            book.violation("delete of " + module + " says ENOENT while this thread holds a reference on it");
        }
    }

    /** One consistent view (taken under the module mutex): the rules that hold at every instant. */
    private static void readProcModules(SimulatedKernel kernel, Book book, boolean noForceRun) {
        book.procModulesReads.incrementAndGet();
        List<LoadedModule> modules = kernel.loadedModules();
        Set<String> names = new java.util.HashSet<>();
        modules.forEach(m -> names.add(m.name().value()));
        for (LoadedModule m : modules) {
            if (m.state() == ModuleState.LIVE && m.refcount() < m.holders().size()) {
                book.violation("LIVE " + m.name() + " has refcount " + m.refcount() + " < its users " + m.holders());
            }
            if (m.state() == ModuleState.GOING && noForceRun && m.refcount() != -1) {
                book.violation("GOING " + m.name() + " shows refcount " + m.refcount()
                        + " after a normal stop: a reference was granted or kept past the stop");
            }
            if (m.state() == ModuleState.GOING && !m.holders().isEmpty()) {
                book.violation("GOING " + m.name() + " still has users " + m.holders());
            }
        }
        if (names.contains("user") && !names.contains("alpha")) {
            book.violation("user is loaded without alpha, the module it uses");
        }
    }

    private static void runAll(List<Runnable> bodies) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(bodies.size());
        try {
            List<Future<?>> futures = new ArrayList<>();
            CyclicBarrier start = new CyclicBarrier(bodies.size());
            for (Runnable body : bodies) {
                futures.add(pool.submit(() -> {
                    start.await();
                    body.run();
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                try {
                    f.get(JOIN_SECONDS, TimeUnit.SECONDS);
                } catch (TimeoutException e) {
                    fail("a worker did not finish its " + ITERATIONS + " iterations within " + JOIN_SECONDS
                            + " s: the kernel is deadlocked or livelocked");
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** After every thread released everything: counts settle and the books balance. */
    private static void assertQuiescentState(SimulatedKernel kernel, Book book) throws ViewException {
        assertTrue(book.violations.isEmpty(), () -> "rule violations during the run:\n  "
                + String.join("\n  ", book.violations));
        book.holds.forEach((m, n) -> assertEquals(0, n.get() & HELD_MASK, "test bookkeeping: references left on " + m));
        Set<String> present = new java.util.HashSet<>();
        for (LoadedModule m : kernel.loadedModules()) {
            present.add(m.name().value());
            assertEquals(ModuleState.LIVE, m.state(), m.name() + " left in " + m.state());
            assertEquals(m.holders().size(), m.refcount(),
                    "refcount of " + m.name() + " != its number of users once every reference is released");
            assertEquals(m.refcount() + "\n", kernel.readFile("/sys/module/" + m.name() + "/refcnt"),
                    "sysfs refcnt of " + m.name());
        }
        for (String m : MODULES) {
            int balance = book.loadsOk.get(m).get() - book.deletesOk.get(m).get();
            assertEquals(present.contains(m) ? 1 : 0, balance,
                    "successful loads minus successful deletes of " + m + " (two deletes of one incarnation, or"
                            + " two loads, both succeeded)");
        }
    }

    @Test
    void withoutOTruncNoReferenceIsGrantedPastGoingAndNoModuleIsUnloadedWhileReferenced() throws Exception {
        SimulatedKernel kernel = newKernel();
        Book book = new Book();
        List<Runnable> bodies = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            bodies.add(worker(kernel, book, t, 0));
        }
        runAll(bodies);

        assertQuiescentState(kernel, book);
        assertEquals(List.of(), kernel.oopses(), "oopses in a run that never forced an unload");
        assertEquals(0L, kernel.taintedMask() & Taint.FORCED_RMMOD.mask(), "R taint without any O_TRUNC");
        assertFalse(kernel.log().text().contains("WARNING: module_put"),
                () -> "a reference was put twice or put after a normal stop:\n" + kernel.log().text());
        // Not vacuous: the races this test is about really happened, many times.
        int loads = book.loadsOk.values().stream().mapToInt(AtomicInteger::get).sum();
        int deletes = book.deletesOk.values().stream().mapToInt(AtomicInteger::get).sum();
        assertTrue(loads > 100, "successful loads: " + loads);
        assertTrue(deletes > 100, "successful deletes: " + deletes);
        assertTrue(book.loadsOk.get("user").get() > 5, "loads of user, which takes a reference on alpha: "
                + book.loadsOk.get("user"));
        assertTrue(book.getsOk.get() > 500, "references granted: " + book.getsOk);
        assertTrue(book.getsRefused.get() > 100, "references refused: " + book.getsRefused);
        assertTrue(book.deletesRefusedForReferences.get() > 100,
                "deletes refused because of references: " + book.deletesRefusedForReferences);
        assertTrue(book.alphaDeletesRefused.get() > 10, "deletes of alpha refused (user or references): "
                + book.alphaDeletesRefused);
    }

    @Test
    void forcedUnloadsRacingWithReferencesAreEachReportedAsOopsesAndTaintR() throws Exception {
        SimulatedKernel kernel = newKernel();
        Book book = new Book();
        List<Runnable> bodies = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            bodies.add(worker(kernel, book, t, 4));
        }
        runAll(bodies);

        assertQuiescentState(kernel, book);
        assertEquals(book.oopsesReturned.get(), kernel.oopses().size(),
                "kernel.oopses() != the oopses the releases reported: a put on freed memory went unreported");
        assertTrue(book.forcedDeletesOk.get() > 50, "forced deletes that succeeded: " + book.forcedDeletesOk);
        assertTrue(book.oopsesReturned.get() > 0, "no release ever hit a force-unloaded module: the race did not"
                + " happen, so this run checked nothing about it");
        assertNotEquals(0L, kernel.taintedMask() & Taint.FORCED_RMMOD.mask(),
                "oopses from forced unloads, yet no R taint");
        for (Oops oops : kernel.oopses()) {
            assertTrue(MODULES.contains(oops.module()), "oops on an unknown module: " + oops);
        }
    }

    @Test
    void twoThreadsDeletingTheSameModuleAtOnceExactlyOneSucceedsTheOtherGetsEnoentOrEbusy() throws Exception {
        SimulatedKernel kernel = newKernel();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Map<Errno, Integer> losers = new TreeMap<>();
        int rounds = 1_500;
        try {
            for (int round = 0; round < rounds; round++) {
                String module = round % 2 == 0 ? "beta" : "gamma";
                assertTrue(kernel.loadModule(module, "").isOk(), "load of " + module + " in round " + round);
                CyclicBarrier start = new CyclicBarrier(2);
                int flagsA = round % 3 == 0 ? O_NONBLOCK : 0;
                int flagsB = round % 5 == 0 ? O_NONBLOCK | O_TRUNC : O_NONBLOCK;
                Future<SyscallResult> a = pool.submit(() -> {
                    start.await();
                    return kernel.deleteModule(module, flagsA);
                });
                Future<SyscallResult> b = pool.submit(() -> {
                    start.await();
                    return kernel.deleteModule(module, flagsB);
                });
                SyscallResult ra = a.get(JOIN_SECONDS, TimeUnit.SECONDS);
                SyscallResult rb = b.get(JOIN_SECONDS, TimeUnit.SECONDS);
                int round0 = round;
                assertEquals(1, (ra.isOk() ? 1 : 0) + (rb.isOk() ? 1 : 0),
                        () -> "round " + round0 + ": results " + ra + " and " + rb);
                SyscallResult loser = ra.isOk() ? rb : ra;
                assertTrue(EnumSet.of(Errno.ENOENT, Errno.EBUSY).contains(loser.error()),
                        () -> "round " + round0 + ": the losing delete gave " + loser);
                losers.merge(loser.error(), 1, Integer::sum);
                assertTrue(kernel.loadedModules().isEmpty(), "round " + round + ": something is still loaded");
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(rounds, losers.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(List.of(), kernel.oopses());
        assertEquals(0L, kernel.taintedMask() & Taint.FORCED_RMMOD.mask(),
                "O_TRUNC on an idle module forced nothing, so it must not taint R");
    }

    /**
     * kernel/module/main.c {@code module_unload_free()} drops a user's reference on each target and unlinks it from the
     * target's {@code source_list} together, under {@code module_mutex} (docs/kernel-rules.md, "What free_module does",
     * step 5). So a {@code delete_module(target, O_TRUNC)} racing with the unload of the target's last user sees either
     * the user (EWOULDBLOCK) or neither user nor reference (a plain unload: nothing forced, no R taint, no oops). It
     * can never force past the reference of a user that is being unloaded.
     *
     * <p>Three threads retry {@code delete_module("alpha", O_NONBLOCK|O_TRUNC)} while EWOULDBLOCK, as a fourth
     * unloads {@code user}; a fresh kernel each round. On 2 cores this hit the window in about 1.4 % of the rounds.
     */
    @Test
    void forcedDeleteOfATargetRacingWithTheUnloadOfItsLastUserNeitherForcesNorOopses() throws Exception {
        int rounds = 3_000;
        int spinners = 3;
        ExecutorService pool = Executors.newFixedThreadPool(1 + spinners);
        try {
            for (int round = 0; round < rounds; round++) {
                SimulatedKernel kernel = newKernel();
                assertTrue(kernel.loadModule("alpha", "").isOk());
                assertTrue(kernel.loadModule("user", "").isOk());
                CyclicBarrier start = new CyclicBarrier(1 + spinners);
                Future<SyscallResult> userDelete = pool.submit(() -> {
                    start.await();
                    return kernel.deleteModule("user", O_NONBLOCK);
                });
                List<Future<SyscallResult>> alphaDeletes = new ArrayList<>();
                for (int i = 0; i < spinners; i++) {
                    alphaDeletes.add(pool.submit(() -> {
                        start.await();
                        SyscallResult r;
                        do {
                            r = kernel.deleteModule("alpha", O_NONBLOCK | O_TRUNC);
                        } while (r.error() == Errno.EWOULDBLOCK);
                        return r;
                    }));
                }
                assertTrue(userDelete.get(JOIN_SECONDS, TimeUnit.SECONDS).isOk(), "delete of user");
                int ok = 0;
                for (Future<SyscallResult> f : alphaDeletes) {
                    ok += f.get(JOIN_SECONDS, TimeUnit.SECONDS).isOk() ? 1 : 0;
                }
                int round0 = round;
                assertEquals(1, ok, () -> "round " + round0 + ": successful deletes of alpha");
                assertEquals(0L, kernel.taintedMask() & Taint.FORCED_RMMOD.mask(), () -> "round " + round0
                        + ": O_TRUNC forced alpha past the reference of its user being unloaded (R taint):\n"
                        + kernel.log().text());
                assertEquals(List.of(), kernel.oopses(), () -> "round " + round0 + ": oops");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
