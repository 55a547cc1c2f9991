package org.kmod4j.sim.time;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/** Wall-clock time: sleeps really sleep, and any thread may use the kernel. */
public final class RealClock implements KernelClock {
    private final long start = System.nanoTime();

    /** A clock whose time 0 is now. */
    public RealClock() {
    }

    @Override
    public long nowMillis() {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    }

    @Override
    public void sleep(long millis) {
        // msleep() is uninterruptible: finish the sleep, then restore the interrupt status for the caller.
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KernelClock.clampMillis(millis));
        boolean interrupted = false;
        for (long left; (left = deadline - System.nanoTime()) > 0; ) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public WaitQueue newWaitQueue() {
        return new RealWaitQueue();
    }

    @Override
    public Thread startTask(String name, Runnable body) {
        return Thread.ofPlatform().name(name).start(body);
    }

    private static final class RealWaitQueue implements WaitQueue {
        private final ReentrantLock lock = new ReentrantLock();
        private final Condition woken = lock.newCondition();

        @Override
        public WaitOutcome await(BooleanSupplier condition, long timeoutMillis, boolean interruptible) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(KernelClock.clampMillis(timeoutMillis));
            boolean interruptedUninterruptibly = false;
            lock.lock();
            try {
                while (!condition.getAsBoolean()) {
                    long left = deadline - System.nanoTime();
                    if (timeoutMillis >= 0 && left <= 0) {
                        return WaitOutcome.TIMEOUT;
                    }
                    try {
                        if (timeoutMillis >= 0) {
                            woken.awaitNanos(left);
                        } else {
                            woken.await();
                        }
                    } catch (InterruptedException e) {
                        if (interruptible) {
                            return WaitOutcome.INTERRUPTED;
                        }
                        // TASK_UNINTERRUPTIBLE: a signal does not end the sleep.
                        interruptedUninterruptibly = true;
                    }
                }
                return WaitOutcome.CONDITION;
            } finally {
                lock.unlock();
                if (interruptedUninterruptibly) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void wakeAll() {
            lock.lock();
            try {
                woken.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }
}
