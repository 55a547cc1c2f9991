package org.kmod4j.modules;

import java.time.Duration;

/**
 * Follows a removal while it runs: each step before it acts and once it has ended, the library's diagnostics, and
 * the progress of a wait. The tools print kmod's messages from these calls; a program can log or show progress. All
 * methods do nothing by default, and are called on the thread that called {@link Kmod#remove}, except
 * {@link #waiting}, which a timer thread calls.
 */
public interface RemovalListener extends Diagnostics {
    /** A listener that ignores everything. */
    RemovalListener NONE = new RemovalListener() {
    };

    /**
     * A module is about to be acted on: {@code delete_module} will be called for it (or, in a dry run, would be), or
     * its modprobe.d {@code remove} command will run.
     *
     * @param argument the argument being served
     * @param module   the module
     * @param command  the remove command about to run (or to be reported), or null for {@code delete_module}
     */
    default void starting(String argument, String module, String command) {
    }

    /**
     * A step has ended; the same step is in {@link Removal#steps()}.
     *
     * @param step the step
     */
    default void finished(Step step) {
    }

    /**
     * While a removal waits for the module's last reference to go ({@link RemoveOptions.Builder#waitUpTo}): called
     * about every 200 ms with the time waited so far; {@code ended} is true once, when the wait is over.
     *
     * @param module  the module being waited for
     * @param waited  the time waited so far
     * @param timeout the longest wait
     * @param ended   true for the last call, when the wait is over
     */
    default void waiting(String module, Duration waited, Duration timeout, boolean ended) {
    }

    @Override
    default void report(Severity severity, String function, String message) {
    }
}
