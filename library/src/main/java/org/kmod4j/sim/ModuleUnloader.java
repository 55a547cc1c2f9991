package org.kmod4j.sim;

import java.nio.charset.StandardCharsets;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.sim.KernelProfile.StopRule;

/**
 * {@code SYSCALL_DEFINE2(delete_module)} from 2.6.0 on (kernel/module.c, later kernel/module/main.c;
 * docs/kernel-rules.md, "Check order" and "Generations"): the checks in the kernel's order, the stop, the exit function
 * and {@code free_module}. What differs between generations comes from the {@link KernelProfile}; 2.4's one-argument
 * call is {@link Linux24Modules}.
 */
final class ModuleUnloader {
    /** {@code MODULE_NAME_LEN} on 64-bit: 64 - sizeof(unsigned long), counting the NUL. */
    static final int MODULE_NAME_LEN = ModuleName.MAX_LENGTH + 1;
    /** What 3.13 and 3.14 print without O_NONBLOCK; the kernel's string has no newline. */
    static final String PLEASE_UPGRADE = "waiting module removal not supported: please upgrade";

    private final SimulatedKernel kernel;

    ModuleUnloader(SimulatedKernel kernel) {
        this.kernel = kernel;
    }

    SyscallResult deleteModule(Task caller, UserString userName, int flags) {
        KernelProfile profile = kernel.profile();
        // Without CONFIG_MODULE_UNLOAD the syscall is sys_ni_syscall: ENOSYS, before any permission check.
        if (!kernel.config().moduleUnload()) {
            return SyscallResult.failed(Errno.ENOSYS);
        }
        // Privilege comes before the name is even read, so EPERM beats EFAULT.
        if (!caller.hasCapSysModule() || kernel.modulesDisabled()) {
            return SyscallResult.failed(Errno.EPERM);
        }
        NameCopy copy = copyName(userName, profile.nameCopy());
        if (copy.error != null) {
            return SyscallResult.failed(copy.error);
        }
        if (profile.warnsWithoutNonblock() && !RemoveFlag.NONBLOCK.isSetIn(flags)) {
            kernel.log().printPartial(PLEASE_UPGRADE);
        }
        // mutex_lock_interruptible (2.6.0: down_interruptible): only a task that sleeps for it sees a signal.
        if (!kernel.moduleMutex.tryLock()) {
            try {
                kernel.moduleMutex.lockInterruptibly();
            } catch (InterruptedException e) {
                return SyscallResult.failed(Errno.EINTR);
            }
        }
        KernelModule mod;
        boolean forced;
        try {
            mod = kernel.findModule(copy.name);
            if (mod == null) {
                return SyscallResult.failed(Errno.ENOENT);
            }
            // "Other modules depend on us": no flag overrides this.
            if (!mod.sourceList.isEmpty()) {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
            // Still initializing or already going; O_TRUNC does not override this either. 2.6.0 let COMING through.
            if (profile.busyUnlessLive() ? mod.state != ModuleState.LIVE : mod.state == ModuleState.GOING) {
                return SyscallResult.failed(Errno.EBUSY);
            }
            // A module with init and no exit cannot be unloaded unless forced.
            forced = false;
            if (mod.permanent()) {
                forced = tryForceUnload(flags);
                if (!forced) {
                    return SyscallResult.failed(Errno.EBUSY);
                }
            }
            Stop stop = tryStopModule(mod, flags, forced, profile.stopRule());
            if (stop == Stop.BUSY) {
                return SyscallResult.failed(Errno.EWOULDBLOCK);
            }
            forced = stop == Stop.FORCED;
            mod.state = ModuleState.GOING;
        } finally {
            kernel.moduleMutex.unlock();
        }
        // 2.6.0–3.12 without O_NONBLOCK: "Never wait if forced", otherwise sleep uninterruptibly until unused.
        if (!forced && profile.stopRule() == StopRule.WAIT_UNLESS_NONBLOCK && !RemoveFlag.NONBLOCK.isSetIn(flags)) {
            kernel.waitForZeroRefcount(mod);
        }
        // From here on nothing can fail: exit runs without the mutex, then free_module.
        mod.image.exit().ifPresent(exit -> kernel.clock().sleep(exit.millis(mod.parameterValues)));
        kernel.freeModule(mod);
        kernel.moduleWq.wakeAll();
        return SyscallResult.ok();
    }

    private enum Stop { STOPPED, FORCED, BUSY }

    /** {@code try_stop_module()} as the profile's generation does it. Mutex held. */
    private Stop tryStopModule(KernelModule mod, int flags, boolean forcedAlready, StopRule rule) {
        Stop forcedOrNot = forcedAlready ? Stop.FORCED : Stop.STOPPED;
        return switch (rule) {
            // Drop the base reference; a restored base means busy, unless forced (taints again).
            case BASE_REFERENCE -> mod.tryReleaseBase() ? forcedOrNot : forceOrBusy(flags);
            // stop_machine(__try_stop_module): the count must be zero, unless forced.
            case REFCOUNT_CHECK -> mod.refcount() == 0 ? forcedOrNot : forceOrBusy(flags);
            // Without O_NONBLOCK: "We don't need to stop the machine for this": no test, GOING at once.
            case WAIT_UNLESS_NONBLOCK -> !RemoveFlag.NONBLOCK.isSetIn(flags) || mod.refcount() == 0
                    ? forcedOrNot : forceOrBusy(flags);
            case USE_COUNT -> throw new IllegalStateException("2.4's delete_module is Linux24Modules'");
        };
    }

    private Stop forceOrBusy(int flags) {
        return tryForceUnload(flags) ? Stop.FORCED : Stop.BUSY;
    }

    /**
     * {@code try_force_unload()}: only with CONFIG_MODULE_FORCE_UNLOAD and O_TRUNC; taints (F before 2.6.16, R
     * after) each time it forces.
     */
    private boolean tryForceUnload(int flags) {
        if (kernel.config().forceUnload() && RemoveFlag.FORCE.isSetIn(flags)) {
            kernel.addTaint(kernel.profile().forcedUnloadTaint(), true);
            return true;
        }
        return false;
    }

    private record NameCopy(String name, Errno error) {
    }

    /** The name copy (docs/kernel-rules.md, "Name copy"). */
    private static NameCopy copyName(UserString userName, KernelProfile.NameCopy variant) {
        if (userName instanceof UserString.Unmapped) {
            return new NameCopy(null, Errno.EFAULT);
        }
        byte[] bytes = ((UserString.Bytes) userName).bytes();
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        return switch (variant) {
            // strncpy_from_user(name, user, MODULE_NAME_LEN - 1) and a NUL at the end: cut at 55 bytes.
            case TRUNCATE -> new NameCopy(decode(bytes, Math.min(length, MODULE_NAME_LEN - 1)), null);
            // strncpy_from_user(name, user, MODULE_NAME_LEN): empty, or no NUL within 56 bytes, is ENOENT.
            case REJECT_UNTERMINATED -> length == 0 || length >= MODULE_NAME_LEN
                    ? new NameCopy(null, Errno.ENOENT)
                    : new NameCopy(decode(bytes, length), null);
            case PAGE -> throw new IllegalStateException("2.4's name copy is Linux24Modules'");
        };
    }

    private static String decode(byte[] bytes, int length) {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
