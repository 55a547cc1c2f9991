package org.kmod4j.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code kmod4j generate-completion}: the bash completion script. picocli writes the part for kmod4j's own
 * commands; the kmod tools parse their own options, so their part completes what users type most: the names of
 * loaded modules, from {@code /proc/modules}.
 */
@Command(name = "generate-completion", mixinStandardHelpOptions = true,
        description = {"Print a bash completion script for kmod4j and its tools.",
                "Use: source <(kmod4j generate-completion)"})
final class CompletionCommand implements Callable<Integer> {
    /** rmmod, modprobe -r and 'kmod4j rmmod|modprobe' complete loaded module names; other words fall back. */
    static final String TOOLS_COMPLETION = """

            # kmod4j's rmmod and modprobe (by program name, or as 'kmod4j rmmod|modprobe'): loaded module names.
            _kmod4j_loaded_modules() {
              local cur="${COMP_WORDS[COMP_CWORD]}"
              if [[ "$cur" == -* ]]; then
                return 0
              fi
              COMPREPLY=( $(compgen -W "$(cut -d' ' -f1 /proc/modules 2>/dev/null)" -- "$cur") )
            }
            _kmod4j_with_tools() {
              case "${COMP_WORDS[1]}" in
                rmmod|modprobe) _kmod4j_loaded_modules ;;
                *) _complete_kmod4j "$@" ;;
              esac
            }
            complete -F _kmod4j_loaded_modules -o default rmmod
            complete -F _kmod4j_loaded_modules -o default modprobe
            complete -F _kmod4j_with_tools -o default kmod4j
            """;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        String script = AutoComplete.bash("kmod4j", spec.parent().commandLine());
        spec.commandLine().getOut().print(script + TOOLS_COMPLETION);
        spec.commandLine().getOut().flush();
        return 0;
    }
}
