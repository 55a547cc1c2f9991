package org.kmod4j.api;

import java.util.List;

/**
 * A Linux kernel's module subsystem as a caller sees it: the simulated kernel and the real host implement it alike.
 *
 * <p>Deleting returns the kernel's result as a value. The views read files as the kernel renders them, by their
 * absolute paths ({@code /proc/modules}, {@code /sys/module/NAME/refcnt}, {@code /proc/sys/kernel/tainted}).
 */
public interface ModuleSubsystem {

    /** {@code delete_module(name, flags)}, with a name that may be any user pointer. */
    SyscallResult deleteModule(UserString name, int flags);

    /** {@code delete_module(name, flags)} with a NUL-terminated name. */
    default SyscallResult deleteModule(String name, int flags) {
        return deleteModule(UserString.of(name), flags);
    }

    /** The modules {@code /proc/modules} lists, newest first. */
    List<LoadedModule> loadedModules() throws ViewException;

    /** The content of a kernel file. */
    String readFile(String path) throws ViewException;

    /** The entries of a kernel directory, without {@code .} and {@code ..}, in the kernel's readdir order. */
    List<String> listDirectory(String path) throws ViewException;
}
