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

    private boolean lineOpen;
    private int readUpTo;

    /** {@code printk} of a message that ends with a newline: one line, stamped like dmesg's {@code [    1.234000]}. */
    synchronized void print(String message) {
        append(message);
        lineOpen = false;
    }

    /**
     * {@code printk} of a message without a newline: the next message runs into the same line, as real captures of
     * 3.13's "please upgrade" warning show (docs/kernel-rules.md, "3.13 and 3.14").
     */
    synchronized void printPartial(String message) {
        append(message);
        lineOpen = true;
    }

    private void append(String message) {
        long now = clock.nowMillis();
        String stamped = String.format("[%5d.%06d] %s", now / 1000, (now % 1000) * 1000, message);
        if (lineOpen && !lines.isEmpty()) {
            lines.set(lines.size() - 1, lines.get(lines.size() - 1) + stamped);
        } else {
            lines.add(stamped);
        }
    }

    /**
     * The messages since the previous call, without timestamps, a line each (a line still open counts once it is
     * read): what the scenario command {@code dmesg} prints.
     *
     * @return the new messages, a line each
     */
    public synchronized String takeMessages() {
        StringBuilder out = new StringBuilder();
        for (int i = readUpTo; i < lines.size(); i++) {
            out.append(lines.get(i).replaceAll("\\[ *\\d+\\.\\d{6}\\] ", "")).append('\n');
        }
        readUpTo = lines.size();
        lineOpen = false;
        return out.toString();
    }

    /** {@return every line so far} */
    public synchronized List<String> lines() {
        return List.copyOf(lines);
    }

    /** {@return the buffer as one text, a line each} */
    public synchronized String text() {
        StringBuilder out = new StringBuilder();
        for (String line : lines) {
            out.append(line).append('\n');
        }
        return out.toString();
    }
}
