package org.kmod4j.sim;

import java.util.concurrent.atomic.AtomicBoolean;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * A process calling into the simulated kernel, with its credentials. The kernel's module syscalls need
 * {@code CAP_SYS_MODULE} in the effective set; a task can drop it (never regain it).
 */
public final class Task {
    private final SimulatedKernel kernel;
    private final String name;
    private final AtomicBoolean capSysModule;

    Task(SimulatedKernel kernel, String name, boolean capSysModule) {
        this.kernel = kernel;
        this.name = name;
        this.capSysModule = new AtomicBoolean(capSysModule);
    }

    /** {@return the task's name, as scenarios and messages show it} */
    public String name() {
        return name;
    }

    /** {@return whether the effective set holds {@code CAP_SYS_MODULE}} */
    public boolean hasCapSysModule() {
        return capSysModule.get();
    }

    /** Drops {@code CAP_SYS_MODULE} from the effective set. */
    public void dropCapSysModule() {
        capSysModule.set(false);
    }

    /**
     * A child process (fork): same credentials, its own from then on.
     *
     * @param childName the child's name
     * @return the child task
     */
    public Task fork(String childName) {
        return new Task(kernel, childName, capSysModule.get());
    }

    /**
     * {@code delete_module(name, flags)} as this task.
     *
     * @param moduleName the name, or a pointer the kernel cannot read
     * @param flags      the raw flags word
     * @return 0 or the kernel's errno
     */
    public SyscallResult deleteModule(UserString moduleName, int flags) {
        return kernel.deleteModule(this, moduleName, flags);
    }

    /**
     * {@code delete_module(name, flags)} as this task, with a NUL-terminated name.
     *
     * @param moduleName the module's name
     * @param flags      the raw flags word
     * @return 0 or the kernel's errno
     */
    public SyscallResult deleteModule(String moduleName, int flags) {
        return deleteModule(UserString.of(moduleName), flags);
    }

    /**
     * The bounded wait of {@link org.kmod4j.api.ModuleSubsystem#deleteModuleWaiting} as this task.
     *
     * @param moduleName the module's name
     * @param flags      the raw flags word; O_NONBLOCK is added
     * @param timeout    the longest wait for the references to drop
     * @return the last result and the time left
     */
    public org.kmod4j.api.TimedRemoval deleteModuleWaiting(String moduleName, int flags, java.time.Duration timeout) {
        return kernel.deleteModuleWaiting(this, moduleName, flags, timeout);
    }

    /**
     * {@code finit_module()} of the declared image {@code moduleName.ko} with a parameter string.
     *
     * @param moduleName the declared image's module name
     * @param parameters the parameter string, such as {@code "delay=100"}
     * @return 0 or the kernel's errno
     */
    public SyscallResult loadModule(String moduleName, String parameters) {
        return kernel.loadModule(this, moduleName, parameters);
    }

    @Override
    public String toString() {
        return name + (hasCapSysModule() ? "" : " (no CAP_SYS_MODULE)");
    }
}
