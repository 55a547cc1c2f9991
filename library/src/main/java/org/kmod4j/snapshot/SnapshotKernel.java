package org.kmod4j.snapshot;

import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.ForwardingModuleSubsystem;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.SimulatedKernel;

/**
 * A simulated kernel restored from a snapshot, as the snapshot's tools see it: everything is the simulator's, except
 * that a module's {@code holders/} directory lists its entries in the order the original listed them (a directory's
 * order is what libkmod, and so lsmod, prints; the simulator's own is the real kernfs order, a fixture's is its file
 * system's). Holders the simulator no longer has are left out; new ones (none: nothing loads) would come last.
 */
public final class SnapshotKernel extends ForwardingModuleSubsystem {
    private final SimulatedKernel kernel;
    private final Snapshot snapshot;

    public SnapshotKernel(SimulatedKernel kernel, Snapshot snapshot) {
        super(kernel);
        this.kernel = kernel;
        this.snapshot = snapshot;
    }

    /** The simulator behind it (its taint mask, oopses, log). */
    public SimulatedKernel simulator() {
        return kernel;
    }

    /**
     * A module's {@code refcnt} that was recorded as no number (a broken fixture's) reads as recorded while the
     * simulator still has the module, so that libkmod fails to read the count here as it did on the original (rmmod
     * then refuses the module); a recorded number is the simulator's own count, which removals change.
     */
    @Override
    public String readFile(String path) throws ViewException {
        String now = kernel.readFile(path);
        byte[] recorded = path.startsWith("/sys/module/") && path.endsWith("/refcnt") ? snapshot.file(path) : null;
        if (recorded != null) {
            String text = new String(recorded, java.nio.charset.StandardCharsets.UTF_8);
            if (!text.strip().matches("-?[0-9]+")) {
                return text;
            }
        }
        return now;
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
