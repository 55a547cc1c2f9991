package org.kmod4j.api;

/**
 * What a syscall returned: 0, or a negative errno. Kernel errors are values, not exceptions, because every one of
 * them is an expected outcome that callers branch on.
 *
 * @param error the errno, {@code null} for success
 */
public record SyscallResult(Errno error) {
    private static final SyscallResult OK = new SyscallResult(null);

    /** {@return the successful result, {@code 0}} */
    public static SyscallResult ok() {
        return OK;
    }

    /**
     * A failure, {@code -errno}.
     *
     * @param errno the errno
     * @return the failed result
     * @throws IllegalArgumentException when {@code errno} is {@code null}
     */
    public static SyscallResult failed(Errno errno) {
        if (errno == null) {
            throw new IllegalArgumentException("failed() needs an errno");
        }
        return new SyscallResult(errno);
    }

    /** {@return whether the syscall returned 0} */
    public boolean isOk() {
        return error == null;
    }

    /** The scenario format's spelling: {@code OK} or the errno's C name. */
    @Override
    public String toString() {
        return isOk() ? "OK" : error.name();
    }
}
