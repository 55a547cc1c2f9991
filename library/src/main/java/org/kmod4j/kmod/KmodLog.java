package org.kmod4j.kmod;

import java.io.PrintWriter;

/**
 * Where libkmod's messages go. The tools install their own logger ({@code tools/log.c}: {@code PROG: LEVEL: message});
 * lsmod in kmod 30 does not, so libkmod's default one prints {@code libkmod: FUNCTION: message} for errors.
 * Messages carry their own trailing newline, as in C.
 */
@FunctionalInterface
public interface KmodLog {
    /** syslog priorities, as in {@code <syslog.h>}. */
    public int LOG_CRIT = 2;
    public int LOG_ERR = 3;
    public int LOG_WARNING = 4;
    public int LOG_INFO = 6;
    public int LOG_DEBUG = 7;

    /**
     * One message.
     *
     * @param priority a syslog priority
     * @param function the libkmod function that logs it (used only by the default logger)
     * @param message  the formatted text, newline included
     */
    public void log(int priority, String function, String message);

    /** libkmod's default logger of a non-debug build, at its default priority (LOG_ERR): {@code libkmod: FN: msg}. */
    public static KmodLog defaultLogger(PrintWriter err) {
        return (priority, function, message) -> {
            if (priority <= LOG_ERR) {
                err.print("libkmod: " + function + ": " + message);
            }
        };
    }
}
