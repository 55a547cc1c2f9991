package org.kmod4j.api;

import java.time.Duration;

/**
 * The outcome of {@link ModuleSubsystem#deleteModuleWaiting}: the kernel's last answer and the time left, as the
 * 2004 manual page's {@code rmtp} would have returned it.
 *
 * @param result    OK once unloaded; EWOULDBLOCK when the time ran out; any other error at once
 * @param remaining the part of the timeout not used
 */
public record TimedRemoval(SyscallResult result, Duration remaining) {
    /**
     * The longest wait honoured, about 146 years: deadlines are computed on {@code System.nanoTime()} and on the
     * simulator's clock without overflow up to there. A longer timeout is as good as forever and is clamped to it.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofMillis(Long.MAX_VALUE / 2 / 1_000_000);

    /**
     * {@code timeout} within {@code [0, MAX_TIMEOUT]}: a negative one waits not at all, a longer one is clamped.
     *
     * @param timeout the requested wait
     * @return the wait honoured
     */
    public static Duration clamp(Duration timeout) {
        if (timeout.isNegative()) {
            return Duration.ZERO;
        }
        return timeout.compareTo(MAX_TIMEOUT) > 0 ? MAX_TIMEOUT : timeout;
    }
}
