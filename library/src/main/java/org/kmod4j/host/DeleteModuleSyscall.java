package org.kmod4j.host;

import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * The {@code delete_module(2)} system call as a pluggable backend of {@link HostKernel}.
 *
 * <ul>
 *   <li>{@link NativeDeleteModule}: the running kernel's syscall, through the FFM API. Only for the root {@code /}.</li>
 *   <li>{@link FixtureDeleteModule}: applies the kernel's errno rules (docs/kernel-rules.md) to a fixture tree
 *       and, on success, removes the module from it as {@code free_module()} would.</li>
 *   <li>{@link NoModuleSupportDeleteModule}: a kernel built without module unloading: always {@code ENOSYS}.</li>
 *   <li>{@link RecordingDeleteModule}: logs each call (name, flags) and delegates.</li>
 * </ul>
 */
@FunctionalInterface
public interface DeleteModuleSyscall {

    /**
     * {@code delete_module(name, flags)}.
     *
     * @throws UnknownErrnoException when the kernel returns an errno that {@link org.kmod4j.api.Errno} cannot name
     */
    SyscallResult deleteModule(UserString name, int flags);
}
