package org.kmod4j.api;

import java.io.IOException;

/** A text view ({@code /proc/modules}, a sysfs file or directory) could not be opened or read: carries the errno. */
public final class ViewException extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Errno errno;

    public ViewException(String path, Errno errno) {
        super(path + ": " + errno.message());
        this.errno = errno;
    }

    public Errno errno() {
        return errno;
    }
}
