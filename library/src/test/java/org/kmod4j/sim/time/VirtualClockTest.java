package org.kmod4j.sim.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kmod4j.sim.time.KernelClock.WaitOutcome;
import org.kmod4j.sim.time.KernelClock.WaitQueue;

/**
 * The virtual clock's contract: sleeping costs no real time, tasks take turns one at a time in a deterministic
 * order, timeouts end exactly at their virtual deadline, wake-ups re-check conditions, and a run in which every task
 * waits for ever is reported as a deadlock instead of hanging.
 *
 * <p>Tasks are started from inside one "root" task: while it runs, the tasks it starts only become ready, so the
 * order does not depend on how fast the JUnit thread is. The JUnit thread then only joins them (with a real-time
 * limit, so a broken scheduler fails the test instead of hanging it).
 */
class VirtualClockTest {
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(10);

    /** Starts {@code body} as the root task and waits for it and every task registered in {@code started}. */
    private static void runRoot(VirtualClock clock, List<Thread> started, Runnable body) throws InterruptedException {
        Thread root = clock.startTask("root", body);
        join(root);
        List<Thread> copy;
        synchronized (started) {
            copy = new ArrayList<>(started);
        }
        for (Thread t : copy) {
            join(t);
        }
    }

    private static void join(Thread t) throws InterruptedException {
        assertTrue(t.join(JOIN_LIMIT), () -> "task " + t.getName() + " did not end within " + JOIN_LIMIT
                + " of real time (state " + t.getState() + ")");
    }

    private static Thread start(VirtualClock clock, List<Thread> started, String name, Runnable body) {
        Thread t = clock.startTask(name, body);
        synchronized (started) {
            started.add(t);
        }
        return t;
    }

    @Test
    void sleepAdvancesVirtualTimeWithoutRealWaiting() {
        VirtualClock clock = new VirtualClock();
        assertEquals(0, clock.nowMillis());
        long realStart = System.nanoTime();
        clock.sleep(3_600_000); // an hour of virtual time
        clock.sleep(250);
        long realMillis = (System.nanoTime() - realStart) / 1_000_000;
        assertEquals(3_600_250, clock.nowMillis(), "virtual time after two sleeps");
        assertTrue(realMillis < 2_000, "an hour of virtual sleep took " + realMillis + " ms of real time");
        clock.sleep(0);
        assertEquals(3_600_250, clock.nowMillis(), "sleep(0) must not move time");
    }

    @Test
    void twoTasksSleepingDifferentTimesWakeInDeadlineOrderAtTheirDeadlines() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        List<String> trace = Collections.synchronizedList(new ArrayList<>());
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            // Started first, sleeps longer: must still wake second.
            start(clock, started, "slow", () -> {
                clock.sleep(30);
                trace.add("slow@" + clock.nowMillis());
            });
            start(clock, started, "fast", () -> {
                clock.sleep(10);
                trace.add("fast@" + clock.nowMillis());
            });
        });
        assertEquals(List.of("fast@10", "slow@30"), trace);
        assertEquals(30, clock.nowMillis());
    }

    @Test
    void tasksRunOneAtATime() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger turns = new AtomicInteger();
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            for (int i = 0; i < 4; i++) {
                int id = i;
                start(clock, started, "worker-" + i, () -> {
                    for (int k = 0; k < 5; k++) {
                        maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
                        turns.incrementAndGet();
                        try {
                            Thread.sleep(2); // real time: another runnable task would overlap here if allowed
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        running.decrementAndGet();
                        clock.sleep(id % 2 == 0 ? 5 : 0); // equal deadlines and zero sleeps included
                    }
                });
            }
        });
        assertEquals(20, turns.get(), "every task ran all its turns");
        assertEquals(1, maxRunning.get(), "two tasks ran at the same time");
    }

    /** A run mixing sleeps with equal and different deadlines, wait queues and wake-ups; returns its trace. */
    private static List<String> interleavedRun() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicInteger stage = new AtomicInteger();
        List<String> trace = Collections.synchronizedList(new ArrayList<>());
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            for (String name : List.of("a", "b", "c")) {
                start(clock, started, name, () -> {
                    for (int k = 0; k < 4; k++) {
                        trace.add(name + k + "@" + clock.nowMillis());
                        clock.sleep(name.equals("a") ? 10 : name.equals("b") ? 15 : 10);
                    }
                });
            }
            start(clock, started, "waiter", () -> {
                WaitOutcome o = queue.await(() -> stage.get() >= 2, -1, true);
                trace.add("waiter " + o + "@" + clock.nowMillis());
            });
            start(clock, started, "waker", () -> {
                for (int k = 0; k < 2; k++) {
                    clock.sleep(12);
                    stage.incrementAndGet();
                    trace.add("wake" + k + "@" + clock.nowMillis());
                    queue.wakeAll();
                }
            });
        });
        return trace;
    }

    @Test
    void theSameRunTwiceGivesTheSameInterleaving() throws InterruptedException {
        List<String> first = interleavedRun();
        List<String> second = interleavedRun();
        assertEquals(first, second, "two runs of the same tasks interleaved differently");
        assertEquals(3 * 4 + 1 + 2, first.size(), "every task's steps are in the trace: " + first);
        // Not vacuous: the tasks really interleave (c's first step comes before a's second), and at equal deadlines
        // the task that went to sleep first wakes first.
        assertTrue(first.indexOf("c0@0") < first.indexOf("a1@10"), first::toString);
        assertTrue(first.indexOf("a1@10") < first.indexOf("c1@10"), first::toString);
        assertTrue(first.contains("waiter CONDITION@24"), first::toString);
    }

    @Test
    void readyTasksRunInTheOrderTheyBecameReadyAndEqualDeadlinesWakeInTheOrderTheySlept() throws InterruptedException {
        // a, b, c, waiter, waker become ready in that order at 0; a and c sleep 10, b 15, the waker 12 twice.
        assertEquals(List.of(
                "a0@0", "b0@0", "c0@0",
                "a1@10", "c1@10", // a went to sleep before c
                "wake0@12", // stage 1: the waiter re-checks and sleeps on
                "b1@15",
                "a2@20", "c2@20",
                "wake1@24", "waiter CONDITION@24", // woken by the second wakeAll, runs once the waker ends
                "b2@30", "a3@30", "c3@30", // b slept at 15, a and c at 20
                "b3@45"), interleavedRun());
    }

    @Test
    void awaitWithTimeoutReturnsTimeoutExactlyAtTheVirtualDeadline() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicReference<WaitOutcome> outcome = new AtomicReference<>();
        AtomicInteger conditionChecks = new AtomicInteger();
        List<Long> times = Collections.synchronizedList(new ArrayList<>());
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            start(clock, started, "waiter", () -> {
                clock.sleep(40);
                times.add(clock.nowMillis());
                outcome.set(queue.await(() -> {
                    conditionChecks.incrementAndGet();
                    return false;
                }, 250, true));
                times.add(clock.nowMillis());
            });
            // A wake-up before the deadline with the condition still false must not end the wait.
            start(clock, started, "spurious-waker", () -> {
                clock.sleep(100);
                queue.wakeAll();
            });
        });
        assertEquals(WaitOutcome.TIMEOUT, outcome.get());
        assertEquals(List.of(40L, 290L), times, "the wait must end exactly 250 ms (virtual) after it began");
        assertTrue(conditionChecks.get() >= 2, "the spurious wake-up re-checked the condition: " + conditionChecks);
    }

    @Test
    void awaitWithTimeoutOnTheCallingThreadEndsAtTheDeadline() {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        clock.sleep(7);
        assertEquals(WaitOutcome.TIMEOUT, queue.await(() -> false, 1_000, false));
        assertEquals(1_007, clock.nowMillis());
        assertEquals(WaitOutcome.CONDITION, queue.await(() -> true, 1_000, false), "a true condition never waits");
        assertEquals(1_007, clock.nowMillis());
    }

    @Test
    void wakeAllWakesAWaiterWhoseConditionBecameTrue() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicBoolean ready = new AtomicBoolean();
        AtomicReference<WaitOutcome> outcome = new AtomicReference<>();
        AtomicReference<Long> wokenAt = new AtomicReference<>();
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            start(clock, started, "waiter", () -> {
                outcome.set(queue.await(ready::get, -1, true));
                wokenAt.set(clock.nowMillis());
            });
            start(clock, started, "waker", () -> {
                clock.sleep(50);
                queue.wakeAll(); // condition still false: the waiter sleeps on
                clock.sleep(50);
                ready.set(true);
                queue.wakeAll();
            });
        });
        assertEquals(WaitOutcome.CONDITION, outcome.get());
        assertEquals(100L, wokenAt.get(), "woken by the wakeAll after the condition became true, not before");
    }

    @Test
    void everyTaskWaitingWithoutTimeoutAndNoSleeperIsASimulationDeadlock() throws InterruptedException {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        Map<String, Throwable> thrown = new ConcurrentHashMap<>();
        List<Thread> started = new ArrayList<>();
        runRoot(clock, started, () -> {
            for (String name : List.of("t1", "t2")) {
                start(clock, started, name, () -> {
                    try {
                        queue.await(() -> false, -1, true);
                    } catch (Throwable t) {
                        thrown.put(name, t);
                    }
                });
            }
            // A sleeper keeps the run alive until it ends: only then is everybody stuck.
            start(clock, started, "sleeper", () -> clock.sleep(500));
        });
        assertEquals(2, thrown.size(), "both waiters must be told: " + thrown);
        thrown.values().forEach(t -> assertInstanceOf(SimulationDeadlockException.class, t));
        assertEquals(500, clock.nowMillis(), "the deadlock is only declared once the sleeper is gone");
    }

    @Test
    void aLoneThreadWaitingForEverGetsASimulationDeadlock() {
        VirtualClock clock = new VirtualClock();
        WaitQueue queue = clock.newWaitQueue();
        assertThrows(SimulationDeadlockException.class, () -> queue.await(() -> false, -1, false));
        // The clock is still usable afterwards.
        clock.sleep(5);
        assertEquals(5, clock.nowMillis());
        assertFalse(Thread.currentThread().isInterrupted());
    }
}
