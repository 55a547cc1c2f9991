package org.kmod4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kmod4j.tools.Rmmod;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code kmod4j rmmod} (and {@code rmmod} through the launcher): kmod 30's rmmod. All parsing is the tool's own. */
@Command(name = "rmmod",
        description = {"Remove modules (kmod 30's rmmod; docs/tools.md).",
                "kmod4j options: --root DIR (fixture tree), --sim FILE (scenario), --syscall emulate|enosys, --json."})
final class RmmodCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Rmmod.run("rmmod", RawArguments.of(spec, args),
                ToolIo.of(spec.commandLine().getOut(), spec.commandLine().getErr()));
    }
}
