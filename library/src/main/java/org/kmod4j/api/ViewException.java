package org.kmod4j.api;

import java.io.IOException;

/** A text view ({@code /proc/modules}, a sysfs file or directory) could not be opened or read: carries the errno. */
public final class ViewException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Errno errno;

    /**
     * A failure to open or read {@code path}; the message is the path and the errno's {@code strerror} text.
     *
     * @param path  the file or directory
     * @param errno the errno the kernel gave
     */
    public ViewException(String path, Errno errno) {
        super(path + ": " + errno.message());
        this.errno = errno;
    }

    /** {@return the errno the kernel gave} */
    public Errno errno() {
        return errno;
    }

    /**
     * No stack trace: this is an errno, as a failed {@code open()} returns one, and an expected outcome (libkmod's
     * size lookup opens {@code /sys/module/NAME} as a file and gets EISDIR for every module lsmod lists). Filling a
     * stack trace 4,000 times was a measurable part of {@code lsmod} on a distribution's kernel.
     */
    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
