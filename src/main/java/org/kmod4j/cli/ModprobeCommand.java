package org.kmod4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kmod4j.tools.Modprobe;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/**
 * {@code kmod4j modprobe} (and {@code modprobe} through the launcher): kmod 30's {@code modprobe -r}. All parsing is
 * the tool's own.
 */
@Command(name = "modprobe",
        description = {"Remove modules with their unused dependencies (kmod 30's modprobe -r; docs/tools.md).",
                "Loading is not supported. kmod4j options: --root DIR (fixture tree), --sim FILE (scenario), "
                        + "--syscall emulate|enosys, --json."})
final class ModprobeCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Modprobe.run("modprobe", RawArguments.of(spec, args),
                ToolIo.of(spec.commandLine().getOut(), spec.commandLine().getErr()));
    }
}
