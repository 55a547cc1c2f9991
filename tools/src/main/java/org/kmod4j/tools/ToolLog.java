package org.kmod4j.tools;

import java.io.PrintWriter;
import org.kmod4j.kmod.KmodLog;
import org.kmod4j.libc.Syslog;

/**
 * kmod's {@code tools/log.c}: {@code PROG: LEVEL: message} on stderr, or {@code LEVEL: message} to syslog with
 * {@code -s}. As a {@link KmodLog} it is {@code log_kmod()}, the logger the tools install in libkmod (libkmod's own
 * priority is kept equal to {@link #priority}, so one filter serves both); {@link #printf} is the tools' own
 * {@code log_printf()}, which also ends the process after a FATAL ({@code LOG_CRIT}) message.
 */
final class ToolLog implements KmodLog {
    /** {@code log_printf()} printed a FATAL message: kmod calls {@code exit(EXIT_FAILURE)} there. */
    static final class FatalExit extends RuntimeException {
        private static final long serialVersionUID = 1L;

        FatalExit() {
            super(null, null, false, false);
        }
    }

    private final String prog;
    private final PrintWriter err;
    private Syslog syslog;
    /** {@code log_priority} of tools/log.c: messages above it are dropped (LOG_WARNING until the tool sets it). */
    int priority = LOG_WARNING;

    ToolLog(String prog, PrintWriter err) {
        this.prog = prog;
        this.err = err;
    }

    /** {@code log_open()}: syslog when {@code sink} is not null. */
    void open(Syslog sink) {
        this.syslog = sink;
        if (sink != null) {
            sink.open(prog);
        }
    }

    /** Whether messages go to syslog ({@code -s}). */
    boolean toSyslog() {
        return syslog != null;
    }

    /** {@code log_close()}. */
    void close() {
        if (syslog != null) {
            syslog.close();
        }
    }

    /** {@code prio_to_str()}. */
    static String level(int priority) {
        return switch (priority) {
            case LOG_CRIT -> "FATAL";
            case LOG_ERR -> "ERROR";
            case LOG_WARNING -> "WARNING";
            case 5 -> "NOTICE";
            case LOG_INFO -> "INFO";
            case LOG_DEBUG -> "DEBUG";
            default -> String.format("LOG-%03d", priority);
        };
    }

    @Override
    public void log(int prio, String function, String message) {
        if (prio > priority) {
            return;
        }
        emit(prio, message);
    }

    private void emit(int prio, String message) {
        if (syslog != null) {
            syslog.log(prio, level(prio) + ": " + message);
        } else {
            err.print(prog + ": " + level(prio) + ": " + message);
        }
    }

    /**
     * {@code log_printf()}: prints unless {@code prio} is above the priority, and after printing a message of
     * priority LOG_CRIT or more urgent throws {@link FatalExit} (kmod exits with status 1 there). A suppressed FATAL
     * ({@code -q}) does not end anything.
     */
    void printf(int prio, String message) {
        if (prio > priority) {
            return;
        }
        emit(prio, message);
        if (prio <= LOG_CRIT) {
            err.flush();
            throw new FatalExit();
        }
    }

    /** {@code log_printf()} without its exit: prints unless {@code prio} is above the priority. */
    void print(int prio, String message) {
        if (prio <= priority) {
            emit(prio, message);
        }
    }

    /** {@code ERR()}. */
    void error(String message) {
        printf(LOG_ERR, message);
    }
}
