package org.kmod4j.modules;

import java.time.Duration;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ForwardingModuleSubsystem;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.kmod.Libkmod;

/**
 * One {@code delete_module} call as both semantics make it, through libkmod's {@code kmod_module_remove_module()}
 * (always with {@code O_NONBLOCK}), waiting when asked, and the {@link Reason} its errno stands for.
 */
final class DeleteCall {
    private final Kmod kmod;
    private final RemoveOptions options;
    private final RecordingKernel recorder;
    private final Libkmod lib;

    DeleteCall(Kmod kmod, RemoveOptions options, Diagnostics sink) {
        this.kmod = kmod;
        this.options = options;
        this.recorder = new RecordingKernel(kmod.kernel());
        this.lib = new Libkmod(recorder, null, Kmod.log(sink));
    }

    /** The call's result: the syscall made (null when none was), and the libkmod return value. */
    record Outcome(Step.Syscall syscall, int error, String text) {
    }

    /**
     * Calls {@code delete_module} for {@code module}; {@code log} whether libkmod logs the failure itself (it does not
     * for a waiting removal: {@code KMOD_REMOVE_NOLOG}).
     */
    Outcome delete(String module, boolean log) {
        int flags = options.force() ? Libkmod.REMOVE_FORCE : 0;
        recorder.last = null;
        int err;
        Duration wait = options.waitTimeout();
        if (!wait.isZero()) {
            Ticker ticker = Ticker.start(options.listener(), module, wait);
            try {
                err = lib.removeModuleWaiting(new Libkmod.Module(module, null), flags, wait);
            } finally {
                ticker.stop();
            }
        } else {
            err = lib.removeModule(new Libkmod.Module(module, null),
                    log ? flags : flags | Libkmod.REMOVE_NOLOG);
        }
        String text = err == 0 ? null : lib.lastErrorText();
        Step.Syscall call = null;
        if (recorder.last != null || !wait.isZero()) {
            int sysFlags = !wait.isZero() ? flags | Libkmod.REMOVE_NOWAIT : recorder.lastFlags;
            call = new Step.Syscall(module, sysFlags, -err, err == 0 ? null : Errno.ofNumber(-err), text);
        }
        return new Outcome(call, err, text);
    }

    /** The reason an errno of {@code delete_module} stands for, reading what else it takes to say which. */
    Reason classify(String module, int errno) {
        if (errno == 0) {
            return Reason.REMOVED;
        }
        Errno e = Errno.ofNumber(errno);
        if (e == null) {
            return Reason.KERNEL_ERROR;
        }
        switch (e) {
            case EPERM:
                return modulesDisabled() ? Reason.MODULES_DISABLED : Reason.NO_PRIVILEGE;
            case ENOENT:
                return Reason.NOT_LOADED;
            case ENOSYS:
                return Reason.UNLOADING_NOT_SUPPORTED;
            case EBUSY: {
                // delete_module(): EBUSY for a module that is not LIVE, or (no exit function, not forced) permanent
                LoadedModule line = kmod.procModules().get(module);
                if (line == null) {
                    // Gone by the time /proc/modules is read: it was GOING under another caller's delete_module,
                    // which has finished since (delete_module(): "already dying"). A permanent or LIVE module does
                    // not vanish, so this is the only way here.
                    return Reason.BEING_UNLOADED;
                }
                return switch (line.state()) {
                    case GOING -> Reason.BEING_UNLOADED;
                    case LIVE -> line.permanent() ? Reason.PERMANENT : Reason.KERNEL_ERROR;
                    default -> Reason.NOT_LIVE;
                };
            }
            default:
                if (e == Errno.EWOULDBLOCK || errno == Errno.EWOULDBLOCK.number()) {
                    return options.waitTimeout().isZero() ? Reason.IN_USE : Reason.TIMED_OUT;
                }
                return Reason.KERNEL_ERROR;
        }
    }

    private boolean modulesDisabled() {
        try {
            return kmod.kernel().readFile("/proc/sys/kernel/modules_disabled").trim().equals("1");
        } catch (ViewException | RuntimeException e) {
            return false;
        }
    }

    /** Notes the flags of the last delete_module call. */
    private static final class RecordingKernel extends ForwardingModuleSubsystem {
        volatile UserString last;
        volatile int lastFlags;

        RecordingKernel(ModuleSubsystem kernel) {
            super(kernel);
        }

        @Override
        public SyscallResult deleteModule(UserString name, int flags) {
            last = name;
            lastFlags = flags;
            return super.deleteModule(name, flags);
        }
    }

    /** Reports a wait's progress to the listener about every 200 ms, on a daemon thread. */
    private static final class Ticker {
        private static final Ticker NONE = new Ticker(null);
        private final Thread thread;

        private Ticker(Thread thread) {
            this.thread = thread;
        }

        static Ticker start(RemovalListener listener, String module, Duration timeout) {
            if (listener == RemovalListener.NONE) {
                return NONE;
            }
            long t0 = System.nanoTime();
            Thread t = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(200);
                        listener.waiting(module, Duration.ofNanos(System.nanoTime() - t0), timeout, false);
                    }
                } catch (InterruptedException e) {
                    listener.waiting(module, Duration.ofNanos(System.nanoTime() - t0), timeout, true);
                }
            });
            return new Ticker(t);
        }

        void stop() {
            if (thread == null) {
                return;
            }
            thread.interrupt();
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
