package org.kmod4j.host;

/**
 * A fixture tree (or a kernel view of the host) that kmod4j refuses to use: a symbolic link that leads out of the
 * root, a name that cannot be a directory name, a file that is not a regular file or is larger than any kernel view,
 * bytes that are not what the kernel writes. The message names the file and what is wrong, and says whether the
 * fixture was changed (it never is: the emulated removal checks everything before it writes).
 *
 * <p>Unchecked on purpose: a broken fixture is not an answer of the kernel (those are {@link
 * org.kmod4j.api.SyscallResult} values and {@link org.kmod4j.api.ViewException}s), so it travels through the API
 * untouched until the tool that opened the fixture turns it into a message and a non-zero exit status.
 */
public final class FixtureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public FixtureException(String message) {
        super(message);
    }

    public FixtureException(String message, Throwable cause) {
        super(message, cause);
    }
}
