package org.kmod4j.cli;

import picocli.CommandLine.Command;

/** {@code kmod4j}: the umbrella command. */
@Command(name = "kmod4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Linux kernel-module unloading: a kernel-exact simulator and kmod-compatible tools.",
        subcommands = {SimCommand.class, GraphCommand.class, CompletionCommand.class},
        footerHeading = "%nkmod-compatible tools (also by program name, through a symlink to the launcher):%n",
        footer = {"  lsmod      Show the loaded modules (kmod 30's lsmod)",
                "  rmmod      Remove modules (kmod 30's rmmod)",
                "  modprobe   Remove modules with their unused dependencies (kmod 30's modprobe -r)",
                "  snapshot   Save the module state as one file for --sim (docs/snapshot-format.md)",
                "  explain    Predict what rmmod / modprobe -r would do (docs/explain.md)",
                "Each takes kmod's options plus --root DIR, --sim FILE, --syscall MODE and --json (modprobe also "
                        + "--run-commands): see 'kmod4j rmmod --help' and docs/tools.md."})
final class Kmod4jCommand {
}
