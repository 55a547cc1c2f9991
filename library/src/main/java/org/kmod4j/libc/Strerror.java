package org.kmod4j.libc;

import org.kmod4j.api.Errno;

/** glibc's {@code strerror()} texts by number: those of {@link Errno}, then the other low numbers. */
public final class Strerror {
    private static final String[] EXTRA = new String[41];

    static {
        EXTRA[3] = "No such process";
        EXTRA[5] = "Input/output error";
        EXTRA[6] = "No such device or address";
        EXTRA[7] = "Argument list too long";
        EXTRA[10] = "No child processes";
        EXTRA[15] = "Block device required";
        EXTRA[18] = "Invalid cross-device link";
        EXTRA[23] = "Too many open files in system";
        EXTRA[24] = "Too many open files";
        EXTRA[25] = "Inappropriate ioctl for device";
        EXTRA[26] = "Text file busy";
        EXTRA[27] = "File too large";
        EXTRA[28] = "No space left on device";
        EXTRA[29] = "Illegal seek";
        EXTRA[30] = "Read-only file system";
        EXTRA[31] = "Too many links";
        EXTRA[32] = "Broken pipe";
        EXTRA[33] = "Numerical argument out of domain";
        EXTRA[34] = "Numerical result out of range";
        EXTRA[35] = "Resource deadlock avoided";
        EXTRA[37] = "No locks available";
        EXTRA[39] = "Directory not empty";
        EXTRA[40] = "Too many levels of symbolic links";
    }

    private Strerror() {
    }

    /** The text for a positive errno number. */
    public static String text(int errno) {
        Errno e = Errno.ofNumber(errno);
        if (e != null) {
            return e.message();
        }
        if (errno > 0 && errno < EXTRA.length && EXTRA[errno] != null) {
            return EXTRA[errno];
        }
        return "Unknown error " + errno;
    }
}
