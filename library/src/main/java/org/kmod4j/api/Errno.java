package org.kmod4j.api;

/**
 * The errno values that the module syscalls and the views around them return, with their x86_64/arm64 numbers
 * (asm-generic), C macro names and glibc {@code strerror} texts.
 *
 * <p>{@code EAGAIN} and {@code EWOULDBLOCK} share number 11; the kernel spells it {@code -EWOULDBLOCK} on every
 * delete_module path (docs/kernel-rules.md, "Later changes"), so this enum names it {@link #EWOULDBLOCK}.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    EINTR(4, "Interrupted system call"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    EWOULDBLOCK(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
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

    /** The positive errno number, as in {@code errno.h}. */
    public int number() {
        return number;
    }

    /** The text glibc's {@code strerror} gives for this errno. */
    public String message() {
        return message;
    }

    /** The errno with this number, or {@code null} when kmod4j does not know it. */
    public static Errno ofNumber(int number) {
        return number > 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }

    /** The C macro name, also accepting {@code EAGAIN} for 11; {@code null} when unknown. */
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
