package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;

/**
 * The simulator with its default settings (virtual time) called from plain threads, as a library user calls it:
 * results are values, never an exception, unless the callers really deadlock.
 */
class PlainThreadsRulesTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 300;

    @Test
    void plainThreadsLoadingOpeningAndDeletingGetResultsNeverExceptions() throws Exception {
        SimulatedKernel k = Kernels.debian();
        Map<String, AtomicInteger> outcomes = new ConcurrentHashMap<>();
        List<Throwable> thrown = java.util.Collections.synchronizedList(new ArrayList<>());
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int me = t;
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    for (int i = 0; i < ROUNDS; i++) {
                        SyscallResult r = switch ((i + me) % 6) {
                            case 0 -> k.loadModule(Kernels.TARGET, "");
                            case 1 -> k.loadModule(Kernels.SLOW, "init_ms=" + (i % 7) + " exit_ms=" + (i % 5));
                            case 2 -> k.loadModule(Kernels.USER_A, "");
                            case 3 -> k.deleteModule(Kernels.USER_A, 0);
                            case 4 -> k.deleteModule(Kernels.SLOW, 0);
                            default -> {
                                var open = k.openDevice(Kernels.DEVICE);
                                if (open.reference() != null) {
                                    open.reference().release();
                                }
                                yield k.deleteModuleWaiting(Kernels.TARGET, 0, Duration.ofMillis(5)).result();
                            }
                        };
                        outcomes.computeIfAbsent(r.toString(), x -> new AtomicInteger()).incrementAndGet();
                    }
                } catch (Throwable e) {
                    thrown.add(e);
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) {
            t.join(60_000);
            assertTrue(!t.isAlive(), "a thread is still running: " + t);
        }
        assertEquals(List.of(), thrown.stream().map(Throwable::toString).distinct().toList(),
                "exceptions (outcomes: " + outcomes + ")");
        assertEquals(THREADS * ROUNDS, outcomes.values().stream().mapToInt(AtomicInteger::get).sum());
    }

    /** 2.6's delete_module without O_NONBLOCK sleeps until the count is zero; a plain thread drops it later. */
    @Test
    void plainThreadWaitingForAReferenceIsWokenWhenAnotherPlainThreadReleasesItLater() throws Exception {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("2.6.32"))
                .module(ModuleImage.builder("dev").device("/dev/dev").build()).build();
        k.loadModule("dev", "");
        CountDownLatch opened = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> {
            ModuleReference ref = k.openDevice("/dev/dev").reference();
            opened.countDown();
            sleepReal(300); // user space busy with the device: the waiter must not be taken for deadlocked
            ref.release();
        });
        opened.await();
        SyscallResult[] r = new SyscallResult[1];
        Throwable[] thrown = new Throwable[1];
        Thread remover = Thread.ofPlatform().start(() -> {
            try {
                r[0] = k.deleteModule("dev", 0);
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        remover.join(10_000);
        holder.join(10_000);
        assertEquals(null, thrown[0]);
        assertTrue(r[0].isOk(), String.valueOf(r[0]));
        assertTrue(k.loadedModules().isEmpty());
    }

    /** The caller that holds the reference joins the one waiting for it: a real deadlock, reported as one. */
    @Test
    void callersThatReallyDeadlockGetTheDeadlockExceptionAfterTheGracePeriod() throws Exception {
        SimulatedKernel k = SimulatedKernel.builder().profile(KernelProfile.forRelease("2.6.32"))
                .module(ModuleImage.builder("dev").device("/dev/dev").build()).build();
        Throwable[] thrown = new Throwable[1];
        Thread holder = Thread.ofPlatform().start(() -> {
            k.loadModule("dev", "");
            ModuleReference ref = k.openDevice("/dev/dev").reference();
            Thread remover = Thread.ofPlatform().start(() -> {
                try {
                    k.deleteModule("dev", 0);
                } catch (Throwable e) {
                    thrown[0] = e;
                }
            });
            try {
                remover.join(); // parked for good, holding the reference the remover waits for
            } catch (InterruptedException e) {
                return;
            }
            ref.release();
        });
        holder.join(10_000);
        boolean stuck = holder.isAlive();
        holder.interrupt();
        assertTrue(!stuck, "the waiter was never told of the deadlock");
        assertTrue(thrown[0] instanceof org.kmod4j.sim.time.SimulationDeadlockException, String.valueOf(thrown[0]));
    }

    @Test
    void extremeTimeoutsAreClampedNotOverflowed() {
        SimulatedKernel k = Kernels.debian();
        Kernels.load(k, Kernels.TARGET);
        ModuleReference ref = k.tryModuleGet(Kernels.TARGET).orElseThrow();
        var never = k.deleteModuleWaiting(Kernels.TARGET, 0, Duration.ofSeconds(-5));
        assertEquals(org.kmod4j.api.Errno.EWOULDBLOCK, never.result().error());
        assertEquals(Duration.ZERO, never.remaining());
        Kernels.inTasks(k, () -> {
            k.clock().sleep(1); // so that its deadline falls after the other task's clamped sleep
            var r = k.deleteModuleWaiting(Kernels.TARGET, 0, Duration.ofSeconds(Long.MAX_VALUE));
            assertTrue(r.result().isOk(), String.valueOf(r));
            assertTrue(r.remaining().compareTo(org.kmod4j.api.TimedRemoval.MAX_TIMEOUT) < 0);
        }, () -> {
            k.clock().sleep(Long.MAX_VALUE); // clamped: about 146 years of virtual time, not a negative deadline
            ref.release();
        });
        assertTrue(k.clock().nowMillis() > 0);
        assertTrue(k.loadedModules().isEmpty());
    }

    private static void sleepReal(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
