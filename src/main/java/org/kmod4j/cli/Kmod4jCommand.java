package org.kmod4j.cli;

import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine.Command;

/** {@code kmod4j}: the umbrella command. */
@Command(name = "kmod4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Linux kernel-module unloading: a kernel-exact simulator and kmod-compatible tools.",
        subcommands = {SimCommand.class, LsmodCommand.class, RmmodCommand.class, ModprobeCommand.class,
                GenerateCompletion.class})
final class Kmod4jCommand {
}
