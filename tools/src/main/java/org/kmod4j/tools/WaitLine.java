package org.kmod4j.tools;

import java.io.PrintWriter;
import java.time.Duration;
import org.kmod4j.modules.RemovalListener;

/**
 * kmod4j's addition for {@code -w} on a terminal: while a removal waits, a line on standard error shows the time
 * waited, rewritten in place and erased when the wait ends, so nothing of it stays in the terminal or reaches a
 * file or pipe (it is only drawn when standard error is a terminal, and not with {@code -s}). The library reports
 * the wait about every 200 ms ({@link RemovalListener#waiting}).
 */
final class WaitLine {
    private final boolean terminal;
    private final PrintWriter err;
    private final String prog;
    private final long timeoutMs;
    private boolean drawn;

    WaitLine(boolean terminal, PrintWriter err, String prog, long timeoutMs) {
        this.terminal = terminal;
        this.err = err;
        this.prog = prog;
        this.timeoutMs = timeoutMs;
    }

    /** Draws the line for {@code waited}, or erases it when the wait has {@code ended}. */
    void update(String module, Duration waited, boolean ended) {
        if (!terminal) {
            return;
        }
        synchronized (err) {
            if (ended) {
                if (drawn) {
                    err.print("\r\u001b[K");
                }
                drawn = false;
            } else {
                err.print(String.format("\r%s: waiting for %s to be unused: %.1f s of %.1f s\u001b[K", prog,
                        module, waited.toMillis() / 1000.0, Math.min(timeoutMs, 99_999_999_999L) / 1000.0));
                drawn = true;
            }
            err.flush();
        }
    }
}
