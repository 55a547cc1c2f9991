package org.kmod4j.host;

import org.kmod4j.api.Errno;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * A kernel built without {@code CONFIG_MODULE_UNLOAD} (or without {@code CONFIG_MODULES}): {@code kernel/sys_ni.c}
 * makes {@code delete_module} return {@code ENOSYS} before looking at its arguments (docs/kernel-rules.md, "Check
 * order"). This is also what a kernel without module support, such as the one this project is developed on, answers.
 */
public final class NoModuleSupportDeleteModule implements DeleteModuleSyscall {
    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        return SyscallResult.failed(Errno.ENOSYS);
    }

    @Override
    public String toString() {
        return "enosys";
    }
}
