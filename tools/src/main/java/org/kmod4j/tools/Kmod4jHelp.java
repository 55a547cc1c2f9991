package org.kmod4j.tools;

/**
 * What {@code rmmod --help} and {@code modprobe --help} print after kmod 30's text, which they keep byte for byte: a
 * blank line, then kmod4j's own options, one line each, and where they are described in full. A test
 * ({@code ToolHelpTest}) checks that every option of kmod4j's that the tools' getopt tables accept is named here.
 */
final class Kmod4jHelp {
    private Kmod4jHelp() {
    }

    /** The heading, naming the tool's man page ({@code scripts/man-pages.sh}) and docs/tools.md. */
    private static String heading(String tool) {
        return "\nkmod4j Options (not kmod's; in full: docs/tools.md, kmod4j-" + tool + "(8)):\n";
    }

    /** The options that choose the target and the output, which rmmod and modprobe share ({@link Target}). */
    private static final String TARGET_OPTIONS = ""
            + "\t    --root DIR              Work on a fixture tree DIR standing in for /\n"
            + "\t                            (never the real delete_module)\n"
            + "\t    --sim FILE              Work on a kernel simulated by scenario FILE\n"
            + "\t    --syscall MODE          With --root: emulate (default) or enosys\n"
            + "\t    --json                  Print a JSON report (docs/json-schema.md)\n";

    /** rmmod's block. */
    static String rmmod() {
        return heading("rmmod") + TARGET_OPTIONS;
    }

    /** modprobe's block: the target options and {@code --run-commands}. */
    static String modprobe() {
        return heading("modprobe") + TARGET_OPTIONS
                + "\t    --run-commands          Run remove commands on this host even with\n"
            + "\t                            --root or --sim\n";
    }
}
