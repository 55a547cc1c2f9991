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
                "Use: source <(kmod4j generate-completion)",
                "rmmod, modprobe and lsmod get kmod4j's completion only where that name is a symlink to kmod4j."})
final class CompletionCommand implements Callable<Integer> {
    /**
     * rmmod, modprobe -r and 'kmod4j rmmod|modprobe' complete loaded module names, lsmod kmod4j's options, 'kmod4j
     * explain' the tool and then its options or loaded module names, 'kmod4j snapshot' its options; the first word
     * after kmod4j offers picocli's commands and those Main dispatches itself; other words fall back. The tools' names get this completion only where they run kmod4j: when the script is loaded, each
     * name that {@code type -P} finds is resolved ({@code readlink -f}), and only one that ends at a file named
     * {@code kmod4j} (the launcher, through a symlink) is registered. Elsewhere the system's own completion for
     * rmmod, modprobe and lsmod stays untouched.
     */
    static final String TOOLS_COMPLETION = """

            # kmod4j's rmmod and modprobe (by program name, or as 'kmod4j rmmod|modprobe'): loaded module names.
            _kmod4j_loaded_modules() {
              local cur="${COMP_WORDS[COMP_CWORD]}"
              if [[ "$cur" == -* ]]; then
                return 0
              fi
              COMPREPLY=( $(compgen -W "$(cut -d' ' -f1 /proc/modules 2>/dev/null)" -- "$cur") )
            }
            # kmod4j's lsmod: no operands, only kmod4j's options (file names after --root and --sim: -o default).
            _kmod4j_lsmod() {
              local cur="${COMP_WORDS[COMP_CWORD]}"
              if [[ "$cur" == -* ]]; then
                COMPREPLY=( $(compgen -W "--root --sim --syscall --json" -- "$cur") )
              fi
            }
            # kmod4j explain rmmod|modprobe [OPTIONS] NAME...: the tool, then explain's options or loaded module names.
            _kmod4j_explain() {
              local cur="${COMP_WORDS[COMP_CWORD]}"
              if (( COMP_CWORD == 2 )); then
                COMPREPLY=( $(compgen -W "rmmod modprobe --help" -- "$cur") )
              elif [[ "$cur" == -* ]]; then
                COMPREPLY=( $(compgen -W "--root --sim --json" -- "$cur") )
              else
                _kmod4j_loaded_modules
              fi
            }
            # kmod4j snapshot: its options (file names after --root and -o: -o default).
            _kmod4j_snapshot() {
              local cur="${COMP_WORDS[COMP_CWORD]}"
              if [[ "$cur" == -* ]]; then
                COMPREPLY=( $(compgen -W "--root -o --output --help --version" -- "$cur") )
              fi
            }
            _kmod4j_with_tools() {
              if (( COMP_CWORD == 1 )); then
                # picocli's commands, and those kmod4j dispatches itself
                _complete_kmod4j "$@"
                COMPREPLY+=( $(compgen -W "lsmod rmmod modprobe snapshot explain" -- "${COMP_WORDS[1]}") )
                return 0
              fi
              case "${COMP_WORDS[1]}" in
                rmmod|modprobe) _kmod4j_loaded_modules ;;
                lsmod) _kmod4j_lsmod ;;
                explain) _kmod4j_explain ;;
                snapshot) _kmod4j_snapshot ;;
                *) _complete_kmod4j "$@" ;;
              esac
            }
            # True when the command NAME found in PATH is kmod4j: a (chain of) symlink(s) to the launcher 'kmod4j'.
            _kmod4j_runs_kmod4j() {
              local p
              p="$(type -P -- "$1")" && [[ -n "$p" ]] || return 1
              p="$(readlink -f -- "$p" 2>/dev/null)" || return 1
              [[ "${p##*/}" == kmod4j ]]
            }
            # Only names that run kmod4j: the system's own completion of rmmod, modprobe and lsmod stays otherwise.
            if _kmod4j_runs_kmod4j rmmod; then complete -F _kmod4j_loaded_modules -o default rmmod; fi
            if _kmod4j_runs_kmod4j modprobe; then complete -F _kmod4j_loaded_modules -o default modprobe; fi
            if _kmod4j_runs_kmod4j lsmod; then complete -F _kmod4j_lsmod -o default lsmod; fi
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
