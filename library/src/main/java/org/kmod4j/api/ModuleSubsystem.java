package org.kmod4j.api;

import java.time.Duration;
import java.util.List;

/**
 * A Linux kernel's module subsystem as a caller sees it: the simulated kernel and the real host implement it alike.
 *
 * <p>Deleting returns the kernel's result as a value. The views read files as the kernel renders them, by their
 * absolute paths ({@code /proc/modules}, {@code /sys/module/NAME/refcnt}, {@code /proc/sys/kernel/tainted}).
 */
public interface ModuleSubsystem {

    /**
     * {@code delete_module(name, flags)}, with a name that may be any user pointer.
     *
     * @param name  the module's name, or a pointer the kernel cannot read
     * @param flags the raw flags word ({@link RemoveFlags})
     * @return 0 or the kernel's errno
     */
    SyscallResult deleteModule(UserString name, int flags);

    /**
     * {@code delete_module(name, flags)} with a NUL-terminated name.
     *
     * @param name  the module's name
     * @param flags the raw flags word ({@link RemoveFlags})
     * @return 0 or the kernel's errno
     */
    default SyscallResult deleteModule(String name, int flags) {
        return deleteModule(UserString.of(name), flags);
    }

    /**
     * The modules {@code /proc/modules} lists, newest first.
     *
     * @return the loaded modules
     * @throws ViewException when {@code /proc/modules} cannot be read
     */
    List<LoadedModule> loadedModules() throws ViewException;

    /**
     * The content of a kernel file.
     *
     * @param path the file's absolute path, such as {@code /sys/module/NAME/refcnt}
     * @return the text the kernel renders
     * @throws ViewException with the errno the kernel gives for opening or reading it
     */
    String readFile(String path) throws ViewException;

    /**
     * The entries of a kernel directory, without {@code .} and {@code ..}, in the kernel's readdir order.
     *
     * @param path the directory's absolute path, such as {@code /sys/module}
     * @return the entries' names
     * @throws ViewException with the errno the kernel gives for opening or reading it
     */
    List<String> listDirectory(String path) throws ViewException;

    /**
     * kmod4j's extension, the intent of the 2004 manual page's four-argument {@code delete_module(name, flags, rqtp,
     * rmtp)}, which no kernel ever had (docs/kernel-rules.md, "The manual pages against the kernel"): unload, and while
     * the kernel answers EWOULDBLOCK, wait up to {@code timeout} for the module's references to drop and try again.
     * Every try passes O_NONBLOCK, so no kernel generation blocks inside the call. Other errors return at once.
     *
     * <p>A negative timeout tries once; one longer than {@link TimedRemoval#MAX_TIMEOUT} is clamped to it.
     *
     * <p>This default polls {@code /sys/module/NAME/refcnt} every 10 ms, as a user-space tool must on a real host
     * ({@code modprobe -r -w} does the same); the simulator waits on its own clock instead.
     *
     * @param name    the module's name
     * @param flags   the raw flags word; O_NONBLOCK is added
     * @param timeout the longest wait for the references to drop
     * @return the last result and the time left
     */
    default TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
        long deadline = System.nanoTime() + TimedRemoval.clamp(timeout).toNanos();
        while (true) {
            SyscallResult r = deleteModule(name, flags | RemoveFlag.NONBLOCK.bit());
            long left = deadline - System.nanoTime();
            if (r.isOk() || r.error() != Errno.EWOULDBLOCK) {
                return new TimedRemoval(r, Duration.ofNanos(Math.max(0, left)));
            }
            if (left <= 0) {
                return new TimedRemoval(r, Duration.ZERO);
            }
            do {
                try {
                    Thread.sleep(Math.min(10, Math.max(1, left / 1_000_000)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return new TimedRemoval(SyscallResult.failed(Errno.EINTR),
                            Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
                }
                left = deadline - System.nanoTime();
            } while (left > 0 && refcountAbove0(name));
        }
    }

    private boolean refcountAbove0(String name) {
        try {
            return Integer.parseInt(readFile("/sys/module/" + name + "/refcnt").strip()) > 0;
        } catch (ViewException | NumberFormatException e) {
            return false; // gone, or unreadable: let the next try tell
        }
    }
}
