package org.kmod4j.sim;

import java.util.ArrayList;
import java.util.List;
import org.kmod4j.sim.time.KernelClock;

/** The kernel's printk ring buffer, as {@code dmesg} shows it. */
public final class KernelLog {
    private final KernelClock clock;
    private final List<String> lines = new ArrayList<>();

    KernelLog(KernelClock clock) {
        this.clock = clock;
    }

    /** {@code printk}: one line, stamped like dmesg's {@code [    1.234000]}. */
    synchronized void print(String message) {
        long now = clock.nowMillis();
        lines.add(String.format("[%5d.%06d] %s", now / 1000, (now % 1000) * 1000, message));
    }

    /** Every line so far. */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** The buffer as one text, a line each. */
    public synchronized String text() {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
