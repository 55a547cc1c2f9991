package org.kmod4j.sim;

import java.nio.charset.StandardCharsets;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.UserString;

/**
 * {@code SYSCALL_DEFINE2(delete_module)} as Linux 3.15 and later run it (kernel/module/main.c; kernel.md §1.1): the
 * checks in the kernel's order, then the stop, the exit function and {@code free_module}.
 */
final class ModuleUnloader {
    /** {@code MODULE_NAME_LEN} on 64-bit: 64 - sizeof(unsigned long), counting the NUL. */
    static final int MODULE_NAME_LEN = ModuleName.MAX_LENGTH + 1;

    private final SimulatedKernel kernel;

    ModuleUnloader(SimulatedKernel kernel) {
        this.kernel = kernel;
    }

    SyscallResult deleteModule(Task caller, UserString userName, int flags) {
        // Without CONFIG_MODULE_UNLOAD the syscall is sys_ni_syscall: ENOSYS, before any permission check.
        if (!kernel.config().moduleUnload()) {
            return SyscallResult.failed(Errno.ENOSYS);
        }
        // Step 1: privilege comes before the name is even read, so EPERM beats EFAULT.
        if (!caller.hasCapSysModule() || kernel.modulesDisabled()) {
            return SyscallResult.failed(Errno.EPERM);
        }
        // Step 2: strncpy_from_user.
        NameCopy copy = copyName(userName);
        if (copy.error != null) {
            return SyscallResult.failed(copy.error);
        }
        // Step 4: mutex_lock_interruptible. Only a task that has to sleep for the mutex can see a signal.
        if (!kernel.moduleMutex.tryLock()) {
            try {
                kernel.moduleMutex.lockInterruptibly();
            } catch (InterruptedException e) {
                return SyscallResult.failed(Errno.EINTR);
            }
        }
        KernelModule mod;
        try {
            mod = kernel.findModule(copy.name);
            if (mod == null) {
                return SyscallResult.failed(Errno.ENOENT);
            }
            // "Other modules depend on us": no flag overrides this.
            if (!mod.sourceList.isEmpty()) {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
            // Still initializing, or already going: O_TRUNC does not override this either.
            if (mod.state != ModuleState.LIVE) {
                return SyscallResult.failed(Errno.EBUSY);
            }
            // A module with init and no exit cannot be unloaded unless forced.
            if (mod.permanent() && !tryForceUnload(flags)) {
                return SyscallResult.failed(Errno.EBUSY);
            }
            // try_stop_module(): drop the base reference; busy unless no other reference remains, or forced.
            if (!mod.tryReleaseBase() && !tryForceUnload(flags)) {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
            mod.state = ModuleState.GOING;
        } finally {
            kernel.moduleMutex.unlock();
        }
        // From here on nothing can fail: exit runs without the mutex, then free_module.
        mod.image.exit().ifPresent(exit -> kernel.clock().sleep(exit.millis(mod.parameterValues)));
        kernel.freeModule(mod);
        kernel.moduleWq.wakeAll();
        return SyscallResult.ok();
    }

    /** {@code try_force_unload()}: only with CONFIG_MODULE_FORCE_UNLOAD and O_TRUNC; taints R each time it forces. */
    private boolean tryForceUnload(int flags) {
        if (kernel.config().forceUnload() && RemoveFlag.FORCE.isSetIn(flags)) {
            kernel.addTaint(Taint.FORCED_RMMOD, true);
            return true;
        }
        return false;
    }

    private record NameCopy(String name, Errno error) {
    }

    /** The name copy of step 2, in the profile's variant (kernel.md §1.2). */
    private NameCopy copyName(UserString userName) {
        if (userName instanceof UserString.Unmapped) {
            return new NameCopy(null, Errno.EFAULT);
        }
        byte[] bytes = ((UserString.Bytes) userName).bytes();
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return switch (kernel.profile().nameCopy()) {
            // strncpy_from_user(name, user, MODULE_NAME_LEN - 1) and a NUL at the end: cut at 55 bytes.
            case TRUNCATE -> new NameCopy(decode(bytes, Math.min(length, MODULE_NAME_LEN - 1)), null);
            // strncpy_from_user(name, user, MODULE_NAME_LEN): empty, or no NUL within 56 bytes, is ENOENT.
            case REJECT_UNTERMINATED -> length == 0 || length >= MODULE_NAME_LEN
                    ? new NameCopy(null, Errno.ENOENT)
                    : new NameCopy(decode(bytes, length), null);
        };
    }

    private static String decode(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
