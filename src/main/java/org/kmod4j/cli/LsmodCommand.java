package org.kmod4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.kmod4j.tools.Lsmod;
import org.kmod4j.tools.ToolIo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code kmod4j lsmod} (and {@code lsmod} through the launcher): kmod 30's lsmod. All parsing is the tool's own. */
@Command(name = "lsmod",
        description = {"List loaded modules (kmod 30's lsmod; docs/tools.md).",
                "kmod4j options: --root DIR (fixture tree), --sim FILE (scenario), --syscall emulate|enosys, --json."})
final class LsmodCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return Lsmod.run("lsmod", RawArguments.of(spec, args),
                ToolIo.of(spec.commandLine().getOut(), spec.commandLine().getErr()));
    }
}
