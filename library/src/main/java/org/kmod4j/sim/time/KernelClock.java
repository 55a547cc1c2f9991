package org.kmod4j.sim.time;

import java.util.function.BooleanSupplier;

/**
 * Time and sleeping for the simulated kernel: {@code msleep}, wait queues ({@code wait_event*}) and the tasks that
 * take part in them. {@link VirtualClock} makes runs deterministic and instant; {@link RealClock} lets library users
 * drive the simulator from real threads.
 */
public interface KernelClock {

    /** How a wait on a {@link WaitQueue} ended. */
    enum WaitOutcome {
        /** The condition became true. */
        CONDITION,
        /** The timeout passed first. */
        TIMEOUT,
        /** A signal arrived (an interrupt of the waiting thread) during an interruptible wait. */
        INTERRUPTED
    }

    /**
     * {@code millis} within {@code [0, TimedRemoval.MAX_TIMEOUT]}: the clocks sleep and wait at most that long (an init
     * function declared to take {@code Long.MAX_VALUE} ms sleeps about 146 years), so that no deadline overflows.
     *
     * @param millis a requested sleep or wait, in milliseconds
     * @return {@code millis}, negative ones raised to 0 and longer ones lowered to the maximum
     */
    static long clampMillis(long millis) {
        return Math.min(Math.max(0, millis), org.kmod4j.api.TimedRemoval.MAX_TIMEOUT.toMillis());
    }

    /** {@return the milliseconds since the clock started} */
    long nowMillis();

    /**
     * {@code msleep(ms)}: uninterruptible.
     *
     * @param millis how long to sleep, in milliseconds
     */
    void sleep(long millis);

    /** {@return a new, empty wait queue ({@code DECLARE_WAIT_QUEUE_HEAD})} */
    WaitQueue newWaitQueue();

    /**
     * Starts a task (a second process of a scenario, a kernel thread) that takes part in this clock's time. With a
     * virtual clock it runs only while every other task is blocked, so runs stay deterministic.
     *
     * @param name the thread's name
     * @param body what the task does
     * @return the started thread
     */
    Thread startTask(String name, Runnable body);

    /**
     * Tells the clock that the calling thread uses the kernel from outside its tasks (a plain thread of a library
     * user), so that tasks waiting on something only such a thread can do are not taken for deadlocked. The kernel
     * calls it at every system call; it is cheap after a thread's first call.
     */
    default void noteCaller() {
    }

    /** A wait queue: tasks sleep on it until a condition holds; wakers call {@link #wakeAll()}. */
    interface WaitQueue {
        /**
         * Sleeps until {@code condition} holds ({@code wait_event_timeout}, or {@code wait_event_interruptible_timeout}
         * when {@code interruptible}). The condition is re-checked after every wake-up.
         *
         * @param condition     what the sleeper waits for
         * @param timeoutMillis how long at most; negative for no limit
         * @param interruptible whether a signal (an interrupt of the thread) ends the wait
         * @return why the wait ended
         */
        WaitOutcome await(BooleanSupplier condition, long timeoutMillis, boolean interruptible);

        /** {@code wake_up_all()}: every sleeper re-checks its condition. */
        void wakeAll();
    }
}
