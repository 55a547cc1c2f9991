package org.kmod4j.snapshot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.TimedRemoval;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.SimulatedKernel;

/**
 * A simulated kernel restored from a snapshot, as the snapshot's tools see it: everything is the simulator's, except
 * that a module's {@code holders/} directory lists its entries in the order the original listed them (a directory's
 * order is what libkmod, and so lsmod, prints; the simulator's own is the real kernfs order, a fixture's is its file
 * system's). Holders the simulator no longer has are left out; new ones (none: nothing loads) would come last.
 */
public final class SnapshotKernel implements ModuleSubsystem {
    private final SimulatedKernel kernel;
    private final Snapshot snapshot;

    public SnapshotKernel(SimulatedKernel kernel, Snapshot snapshot) {
        this.kernel = kernel;
        this.snapshot = snapshot;
    }

    /** The simulator behind it (its taint mask, oopses, log). */
    public SimulatedKernel simulator() {
        return kernel;
    }

    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        return kernel.deleteModule(name, flags);
    }

    @Override
    public TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
        return kernel.deleteModuleWaiting(name, flags, timeout);
    }

    @Override
    public List<LoadedModule> loadedModules() throws ViewException {
        return kernel.loadedModules();
    }

    @Override
    public String readFile(String path) throws ViewException {
        return kernel.readFile(path);
    }

    @Override
    public List<String> listDirectory(String path) throws ViewException {
        List<String> now = kernel.listDirectory(path);
        if (!(snapshot.entries().get(path) instanceof Snapshot.DirEntry recorded) || !path.startsWith("/sys/module/")) {
            return now;
        }
        List<String> out = new ArrayList<>();
        for (String n : recorded.names()) {
            if (now.contains(n)) {
                out.add(n);
            }
        }
        for (String n : now) {
            if (!out.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    @Override
    public String toString() {
        return "simulated kernel from a snapshot";
    }
}
