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
}
