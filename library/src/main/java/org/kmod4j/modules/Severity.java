package org.kmod4j.modules;

/** The severity of a diagnostic message, with its syslog priority ({@code <syslog.h>}). */
public enum Severity {
    /** A failure ({@code LOG_ERR}). */
    ERROR(3),
    /** Something suspicious that does not stop anything ({@code LOG_WARNING}). */
    WARNING(4),
    /** Information ({@code LOG_INFO}). */
    INFO(6),
    /** Details for debugging ({@code LOG_DEBUG}). */
    DEBUG(7);

    private final int priority;

    Severity(int priority) {
        this.priority = priority;
    }

    /** {@return the syslog priority: 3 for ERROR to 7 for DEBUG} */
    public int syslogPriority() {
        return priority;
    }

    /**
     * The severity of a syslog priority (0 to 3 are ERROR, above 7 DEBUG).
     *
     * @param priority a syslog priority
     * @return its severity
     */
    public static Severity ofSyslogPriority(int priority) {
        if (priority <= 3) {
            return ERROR;
        }
        if (priority <= 5) {
            return WARNING;
        }
        return priority == 6 ? INFO : DEBUG;
    }
}
