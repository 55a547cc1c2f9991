package org.kmod4j.host;

/**
 * The real kernel returned an errno that {@link org.kmod4j.api.Errno} has no constant for, so it cannot be a
 * {@link org.kmod4j.api.SyscallResult}. Carries the number and the C library's text for it.
 */
public final class UnknownErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int errno;
    private final String text;

    public UnknownErrnoException(int errno, String text) {
        super("delete_module failed with errno " + errno + " (" + text + "), which kmod4j's Errno does not name");
        this.errno = errno;
        this.text = text;
    }

    /** The positive errno number. */
    public int errno() {
        return errno;
    }

    /** {@code strerror(errno)}. */
    public String text() {
        return text;
    }
}
