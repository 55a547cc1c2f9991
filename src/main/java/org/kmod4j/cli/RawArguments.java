package org.kmod4j.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;

/**
 * The arguments of a kmod-compatible subcommand exactly as typed. Those tools parse their own command line (glibc
 * getopt semantics), so picocli must not interpret anything: it would consume {@code --} and expand {@code @file}
 * arguments. The original command line that picocli keeps is used instead of what it parsed.
 */
final class RawArguments {
    private RawArguments() {
    }

    /**
     * The arguments after the subcommand's name in the original command line ({@code kmod4j rmmod ARGS}), or
     * {@code parsed} when the original line cannot be matched.
     */
    static List<String> of(CommandSpec spec, List<String> parsed) {
        ParseResult result = spec.commandLine().getParseResult();
        if (result != null) {
            List<String> original = result.originalArgs();
            String name = spec.name();
            // Only the subcommand itself may precede the tool's arguments ("kmod4j rmmod ...").
            if (!original.isEmpty() && original.get(0).equals(name)) {
                return List.copyOf(original.subList(1, original.size()));
            }
        }
        return List.copyOf(parsed);
    }
}
