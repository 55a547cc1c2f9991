package org.kmod4j.modules;

/**
 * Where the library's diagnostic messages go: what libkmod logs (an unreadable {@code /sys/module} file, a malformed
 * modprobe.d line, a failed {@code delete_module}), with the name of the libkmod function that logs it. By default
 * they are dropped; the tools print them as kmod does.
 */
@FunctionalInterface
public interface Diagnostics {
    /** Drops every message. */
    Diagnostics NONE = (severity, function, message) -> { };

    /**
     * One message.
     *
     * @param severity how serious it is
     * @param function the libkmod function that reports it ({@code kmod_module_get_holders}, ...)
     * @param message  the text, ending with a newline as in C
     */
    void report(Severity severity, String function, String message);
}
