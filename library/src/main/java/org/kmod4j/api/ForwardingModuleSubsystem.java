package org.kmod4j.api;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A {@link ModuleSubsystem} that hands every call to another one, for wrappers that watch or change some of them
 * (record the {@code delete_module} calls, list a directory in another order) and leave the rest alone: override what
 * differs.
 */
public abstract class ForwardingModuleSubsystem implements ModuleSubsystem {
    private final ModuleSubsystem delegate;

    /**
     * A wrapper of {@code delegate}.
     *
     * @param delegate the subsystem every call goes to
     */
    protected ForwardingModuleSubsystem(ModuleSubsystem delegate) {
        this.delegate = Objects.requireNonNull(delegate);
    }

    /** {@return the subsystem every call goes to} */
    protected ModuleSubsystem delegate() {
        return delegate;
    }

    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        return delegate.deleteModule(name, flags);
    }

    @Override
    public TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
        return delegate.deleteModuleWaiting(name, flags, timeout);
    }

    @Override
    public List<LoadedModule> loadedModules() throws ViewException {
        return delegate.loadedModules();
    }

    @Override
    public String readFile(String path) throws ViewException {
        return delegate.readFile(path);
    }

    @Override
    public List<String> listDirectory(String path) throws ViewException {
        return delegate.listDirectory(path);
    }
}
