package org.kmod4j.sim.time;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kmod4j.sim.time.KernelClock.WaitOutcome;
import org.kmod4j.sim.time.KernelClock.WaitQueue;

/**
 * The real clock's signal semantics: an uninterruptible wait ({@code wait_event}, TASK_UNINTERRUPTIBLE) is not ended
 * by a signal (a thread interrupt) and keeps the interrupt pending for later; an interruptible one
 * ({@code wait_event_interruptible}) ends with INTERRUPTED.
 */
class RealClockTest {
    private static final Duration JOIN_LIMIT = Duration.ofSeconds(10);

    /** Waits (real time, bounded) until {@code t} parks, so the interrupt arrives during the wait. */
    private static void awaitParked(Thread t) throws InterruptedException {
        long deadline = System.nanoTime() + JOIN_LIMIT.toNanos();
        while (t.getState() != Thread.State.WAITING && t.getState() != Thread.State.TIMED_WAITING) {
            assertTrue(System.nanoTime() < deadline, "the waiter never started waiting: " + t.getState());
            assertTrue(t.isAlive(), "the waiter ended before waiting");
            Thread.sleep(1);
        }
    }

    @Test
    void uninterruptibleAwaitIsNotEndedByInterruptAndKeepsTheInterruptStatus() throws InterruptedException {
        RealClock clock = new RealClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicBoolean condition = new AtomicBoolean();
        AtomicReference<WaitOutcome> outcome = new AtomicReference<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().name("uninterruptible").start(() -> {
            outcome.set(queue.await(condition::get, -1, false));
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        awaitParked(waiter);
        waiter.interrupt();
        // The signal must not end the sleep: it is still waiting well after the interrupt.
        assertFalse(waiter.join(Duration.ofMillis(200)), "the interrupt ended an uninterruptible wait");
        assertNull(outcome.get(), "await returned on an interrupt");

        condition.set(true);
        queue.wakeAll();
        assertTrue(waiter.join(JOIN_LIMIT), "wakeAll with a true condition did not end the wait");
        assertEquals(WaitOutcome.CONDITION, outcome.get());
        assertTrue(interruptedAfter.get(), "the interrupt status was lost instead of being kept for later");
    }

    @Test
    void uninterruptibleAwaitWithTimeoutRunsToItsDeadlineDespiteAnInterrupt() throws InterruptedException {
        RealClock clock = new RealClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicReference<WaitOutcome> outcome = new AtomicReference<>();
        AtomicLong waitedMillis = new AtomicLong();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread waiter = Thread.ofPlatform().name("uninterruptible-timeout").start(() -> {
            long start = System.nanoTime();
            outcome.set(queue.await(() -> false, 300, false));
            waitedMillis.set((System.nanoTime() - start) / 1_000_000);
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        awaitParked(waiter);
        waiter.interrupt();
        assertTrue(waiter.join(JOIN_LIMIT));
        assertEquals(WaitOutcome.TIMEOUT, outcome.get(), "an interrupt must not turn into INTERRUPTED here");
        assertTrue(waitedMillis.get() >= 290, "the wait ended early, after " + waitedMillis + " ms of 300");
        assertTrue(interruptedAfter.get(), "the interrupt status was lost");
    }

    @Test
    void interruptibleAwaitReturnsInterruptedOnInterrupt() throws InterruptedException {
        RealClock clock = new RealClock();
        WaitQueue queue = clock.newWaitQueue();
        AtomicReference<WaitOutcome> outcome = new AtomicReference<>();
        AtomicLong waitedMillis = new AtomicLong();
        Thread waiter = Thread.ofPlatform().name("interruptible").start(() -> {
            long start = System.nanoTime();
            outcome.set(queue.await(() -> false, 60_000, true));
            waitedMillis.set((System.nanoTime() - start) / 1_000_000);
        });
        awaitParked(waiter);
        waiter.interrupt();
        assertTrue(waiter.join(JOIN_LIMIT), "the interrupt did not end an interruptible wait");
        assertEquals(WaitOutcome.INTERRUPTED, outcome.get());
        assertTrue(waitedMillis.get() < 30_000, "ended by the interrupt, not the timeout: " + waitedMillis + " ms");
    }

    @Test
    void sleepIsUninterruptibleAndKeepsTheInterruptStatus() throws InterruptedException {
        RealClock clock = new RealClock();
        AtomicLong sleptMillis = new AtomicLong();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        Thread sleeper = Thread.ofPlatform().name("msleep").start(() -> {
            long start = System.nanoTime();
            clock.sleep(300);
            sleptMillis.set((System.nanoTime() - start) / 1_000_000);
            interruptedAfter.set(Thread.currentThread().isInterrupted());
        });
        awaitParked(sleeper);
        sleeper.interrupt();
        assertTrue(sleeper.join(JOIN_LIMIT));
        assertTrue(sleptMillis.get() >= 299, "msleep ended early on an interrupt: " + sleptMillis + " ms");
        assertTrue(interruptedAfter.get(), "the interrupt status was lost");
    }
}
