package org.kmod4j.sim.time;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.WeakHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Deterministic virtual time: a cooperative scheduler over real threads.
 *
 * <p>Tasks (threads started with {@link #startTask}, or any thread that sleeps or waits here) run one at a time:
 * the running task keeps the CPU until it sleeps, waits or ends. Time stands still while a task runs and jumps to the
 * next deadline when none can run, so {@code sleep 3000} costs nothing and every run of a scenario interleaves the
 * same way. Ready tasks run in the order they became ready.
 *
 * <p>Threads outside virtual time (plain threads that call the kernel, registered with {@link #noteCaller}) are
 * not scheduled: they run when the JVM runs them, and time may jump ahead while they work. They count for deadlock
 * detection, though, because one of them may still release a reference or finish a load that a task waits for. When
 * every task waits with no deadline:
 * <ul>
 *   <li>if no registered outside thread is alive, nothing can wake the tasks: the run is deadlocked at once and
 *       each waiter gets a {@link SimulationDeadlockException} (a scenario whose real kernel would hang);</li>
 *   <li>if one is alive and not parked (running, or in a timed sleep), the tasks wait for it, as the kernel waits
 *       for user space;</li>
 *   <li>if every one is parked (joining, or waiting for a lock or a condition) and the clock sees no activity for
 *       {@link #PARKED_GRACE_MILLIS} of real time, the callers really are deadlocked and the waiters get the
 *       exception.</li>
 * </ul>
 *
 * <p>Start concurrent tasks from inside a task (the scenario runner's main task starts the background ones): a thread
 * outside virtual time cannot hold the clock still, so the first task it starts may run to completion, virtual sleeps
 * included, before it starts the second.
 */
public final class VirtualClock implements KernelClock {
    /** How long every outside caller must stay parked, with no activity, before the waiters are deadlocked. */
    public static final long PARKED_GRACE_MILLIS = 200;
    /** How often waiters look again at the outside callers while every task waits on them. */
    private static final long STALL_POLL_NANOS = 10_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    private long now;
    private long sequence;
    private Task running;
    private final Map<Thread, Task> tasks = new HashMap<>();
    private final ArrayDeque<Task> ready = new ArrayDeque<>();
    private final TreeSet<Task> timed = new TreeSet<>(
            Comparator.comparingLong((Task t) -> t.deadline).thenComparingLong(t -> t.order));
    private final Set<Task> untimed = new LinkedHashSet<>();
    /** Threads outside virtual time that have called the kernel; weakly held, so finished ones go. Under lock. */
    private final Map<Thread, Boolean> outsideCallers = new WeakHashMap<>();
    private final ThreadLocal<Boolean> noted = new ThreadLocal<>();
    /** Counts changes of the schedule, so that a stall is known to have lasted without any. Under lock. */
    private long activity;
    /** Every task waits with no deadline, on outside callers that may still act: waiters poll. Under lock. */
    private boolean stalled;
    /** Since when (nanoTime) every outside caller has been seen parked, with {@link #activity} then; or -1. */
    private long parkedSince = -1;
    private long parkedActivity;

    /** A clock at time 0, with no tasks yet. */
    public VirtualClock() {
    }

    /** One thread taking part in virtual time. */
    private final class Task {
        final Thread thread;
        final Condition turn = lock.newCondition();
        long deadline;
        long order;
        int attachDepth;
        VirtualWaitQueue queue;
        boolean deadlocked;

        Task(Thread thread) {
            this.thread = thread;
        }
    }

    @Override
    public long nowMillis() {
        lock.lock();
        try {
            return now;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void sleep(long millis) {
        lock.lock();
        try {
            Task self = attach();
            try {
                self.deadline = now + KernelClock.clampMillis(millis);
                self.order = sequence++;
                timed.add(self);
                block(self);
            } finally {
                detach(self);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Registers the calling thread as one that uses the kernel from outside virtual time (a no-op for tasks and for
     * threads already registered): while it is alive and not parked, waiting tasks are not deadlocked.
     */
    @Override
    public void noteCaller() {
        if (noted.get() != null) {
            return;
        }
        noted.set(Boolean.TRUE);
        lock.lock();
        try {
            outsideCallers.put(Thread.currentThread(), Boolean.TRUE);
            activity++;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public WaitQueue newWaitQueue() {
        return new VirtualWaitQueue();
    }

    @Override
    public Thread startTask(String name, Runnable body) {
        lock.lock();
        try {
            // A virtual thread: only one task runs at a time anyway, and a hand-off between virtual threads is a
            // continuation switch rather than an OS context switch (20,000 background commands: 169 s -> under 1 s,
            // docs/performance.md).
            Thread thread = Thread.ofVirtual().name(name).unstarted(() -> runTask(body));
            Task task = new Task(thread);
            task.attachDepth = 1;
            tasks.put(thread, task);
            // Registered before it starts: from now on time cannot pass without it having run.
            makeReady(task);
            thread.start();
            dispatch();
            return thread;
        } finally {
            lock.unlock();
        }
    }

    private void runTask(Runnable body) {
        Task self;
        lock.lock();
        try {
            self = tasks.get(Thread.currentThread());
            waitForTurn(self);
        } finally {
            lock.unlock();
        }
        try {
            body.run();
        } finally {
            lock.lock();
            try {
                self.attachDepth = 1;
                detach(self);
            } finally {
                lock.unlock();
            }
        }
    }

    /** Makes the current thread a running task (waiting for its turn if another task runs). Lock held. */
    private Task attach() {
        Task self = tasks.get(Thread.currentThread());
        if (self != null) {
            self.attachDepth++;
            return self;
        }
        self = new Task(Thread.currentThread());
        self.attachDepth = 1;
        tasks.put(self.thread, self);
        if (running == null && ready.isEmpty()) {
            running = self;
        } else {
            makeReady(self);
            waitForTurn(self);
        }
        return self;
    }

    /** Leaves virtual time when the outermost attach ends, handing the CPU on. Lock held. */
    private void detach(Task self) {
        if (--self.attachDepth > 0) {
            return;
        }
        activity++;
        tasks.remove(self.thread);
        if (running == self) {
            running = null;
            dispatch();
        }
    }

    /** Gives up the CPU until something makes {@code self} ready again. Lock held. */
    private void block(Task self) {
        if (running == self) {
            running = null;
        }
        dispatch();
        waitForTurn(self);
    }

    private void waitForTurn(Task self) {
        boolean interrupted = false;
        while (running != self) {
            if (!stalled) {
                self.turn.awaitUninterruptibly();
                continue;
            }
            // Every task waits on outside callers: look at them again now and then (a thread that ends or parks
            // tells nobody).
            try {
                self.turn.awaitNanos(STALL_POLL_NANOS);
            } catch (InterruptedException e) {
                interrupted = true;
            }
            dispatch();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void makeReady(Task task) {
        activity++;
        timed.remove(task);
        untimed.remove(task);
        if (task.queue != null) {
            task.queue.sleepers.remove(task);
            task.queue = null;
        }
        ready.add(task);
    }

    /** Picks the next task to run, advancing time when none is ready. Lock held, nobody running. */
    private void dispatch() {
        if (running != null) {
            return;
        }
        if (ready.isEmpty() && !timed.isEmpty()) {
            now = Math.max(now, timed.first().deadline);
            while (!timed.isEmpty() && timed.first().deadline <= now) {
                makeReady(timed.first());
            }
        }
        if (ready.isEmpty() && !untimed.isEmpty() && deadlocked()) {
            for (Task t : untimed.toArray(new Task[0])) {
                t.deadlocked = true;
                makeReady(t);
            }
        }
        boolean wasStalled = stalled;
        stalled = ready.isEmpty() && !untimed.isEmpty();
        if (!stalled) {
            parkedSince = -1;
        } else if (!wasStalled) {
            untimed.forEach(t -> t.turn.signal()); // from now on they poll (waitForTurn)
        }
        Task next = ready.poll();
        if (next != null) {
            running = next;
            next.turn.signal();
        }
    }

    /**
     * Every task waits with no deadline: whether nothing can wake them any more (see the class comment). Lock held.
     */
    private boolean deadlocked() {
        boolean anyAlive = false;
        for (Thread t : outsideCallers.keySet()) {
            if (!t.isAlive() || tasks.containsKey(t)) {
                continue; // ended, or a task now, and so among the waiters
            }
            anyAlive = true;
            Thread.State state = t.getState();
            if (state == Thread.State.RUNNABLE || state == Thread.State.TIMED_WAITING || state == Thread.State.NEW) {
                parkedSince = -1;
                return false; // it may still act
            }
        }
        if (!anyAlive) {
            return true;
        }
        long now = System.nanoTime();
        if (parkedSince < 0 || parkedActivity != activity) {
            parkedSince = now;
            parkedActivity = activity;
            return false;
        }
        return now - parkedSince >= PARKED_GRACE_MILLIS * 1_000_000L;
    }

    private final class VirtualWaitQueue implements WaitQueue {
        final Set<Task> sleepers = new LinkedHashSet<>();

        @Override
        public WaitOutcome await(BooleanSupplier condition, long timeoutMillis, boolean interruptible) {
            lock.lock();
            try {
                Task self = attach();
                try {
                    long deadline = timeoutMillis >= 0 ? now + KernelClock.clampMillis(timeoutMillis) : Long.MAX_VALUE;
                    while (!condition.getAsBoolean()) {
                        if (now >= deadline) {
                            return WaitOutcome.TIMEOUT;
                        }
                        self.queue = this;
                        sleepers.add(self);
                        self.order = sequence++;
                        if (timeoutMillis >= 0) {
                            self.deadline = deadline;
                            timed.add(self);
                        } else {
                            untimed.add(self);
                        }
                        block(self);
                        if (self.deadlocked) {
                            self.deadlocked = false;
                            throw new SimulationDeadlockException(
                                    "every task sleeps and nothing can wake them (" + self.thread.getName() + ")");
                        }
                    }
                    return WaitOutcome.CONDITION;
                } finally {
                    detach(self);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void wakeAll() {
            lock.lock();
            try {
                activity++;
                for (Task t : sleepers.toArray(new Task[0])) {
                    makeReady(t);
                }
                dispatch();
            } finally {
                lock.unlock();
            }
        }
    }
}
