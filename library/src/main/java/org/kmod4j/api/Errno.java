package org.kmod4j.api;

/**
 * The errno values that the module syscalls and the views around them return, with their x86_64/arm64 numbers
 * (asm-generic), C macro names and glibc {@code strerror} texts.
 *
 * <p>{@code EAGAIN} and {@code EWOULDBLOCK} share number 11; the kernel spells it {@code -EWOULDBLOCK} on every
 * delete_module path (docs/kernel-rules.md, "Later changes"), so this enum names it {@link #EWOULDBLOCK}.
 */
public enum Errno {
    /** Operation not permitted. */
    EPERM(1, "Operation not permitted"),
    /** No such file or directory. */
    ENOENT(2, "No such file or directory"),
    /** Interrupted system call. */
    EINTR(4, "Interrupted system call"),
    /** Exec format error. */
    ENOEXEC(8, "Exec format error"),
    /** Bad file descriptor. */
    EBADF(9, "Bad file descriptor"),
    /** Resource temporarily unavailable. */
    EWOULDBLOCK(11, "Resource temporarily unavailable"),
    /** Cannot allocate memory. */
    ENOMEM(12, "Cannot allocate memory"),
    /** Permission denied. */
    EACCES(13, "Permission denied"),
    /** Bad address. */
    EFAULT(14, "Bad address"),
    /** Device or resource busy. */
    EBUSY(16, "Device or resource busy"),
    /** File exists. */
    EEXIST(17, "File exists"),
    /** No such device. */
    ENODEV(19, "No such device"),
    /** Not a directory. */
    ENOTDIR(20, "Not a directory"),
    /** Is a directory. */
    EISDIR(21, "Is a directory"),
    /** Invalid argument. */
    EINVAL(22, "Invalid argument"),
    /** File name too long. */
    ENAMETOOLONG(36, "File name too long"),
    /** Function not implemented. */
    ENOSYS(38, "Function not implemented"),
    /** Key was rejected by service. */
    EKEYREJECTED(129, "Key was rejected by service");

    private static final Errno[] BY_NUMBER = new Errno[130];

    static {
        for (Errno e : values()) {
            BY_NUMBER[e.number] = e;
        }
    }

    private final int number;
    private final String message;

    Errno(int number, String message) {
        this.number = number;
        this.message = message;
    }

    /** {@return the positive errno number, as in {@code errno.h}} */
    public int number() {
        return number;
    }

    /** {@return the text glibc's {@code strerror} gives for this errno} */
    public String message() {
        return message;
    }

    /**
     * The errno with this number.
     *
     * @param number a positive errno number
     * @return the errno, or {@code null} when kmod4j does not know it
     */
    public static Errno ofNumber(int number) {
        return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /**
     * The errno with this C macro name, also accepting {@code EAGAIN} for 11.
     *
     * @param name a macro name such as {@code EBUSY}
     * @return the errno, or {@code null} when unknown
     */
    public static Errno ofName(String name) {
        if ("EAGAIN".equals(name)) {
            return EWOULDBLOCK;
        }
        for (Errno e : values()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        return null;
    }
}
