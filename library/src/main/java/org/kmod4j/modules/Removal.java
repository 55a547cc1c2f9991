package org.kmod4j.modules;

import java.util.List;
import java.util.Optional;

/**
 * What a {@link Kmod#remove} call did, or in a dry run would do: one result per argument and every step in order.
 * Never printed by the library; the tools print it.
 *
 * @param arguments       each argument's result, in the order given
 * @param steps           every step, in the order it happened
 * @param dryRun          whether nothing was removed or run
 * @param moduleDirectory the module directory consulted (modprobe semantics), or null
 * @param configFiles     the modprobe.d files read, in the order parsed (modprobe semantics)
 */
public record Removal(List<Argument> arguments, List<Step> steps, boolean dryRun, String moduleDirectory,
                      List<String> configFiles) {

    /** How one argument ended. */
    public enum Status {
        /** Its modules are gone, or were already absent, or (dry run) would be. */
        DONE,
        /** A step of it failed ({@link #failure()}). */
        FAILED,
        /** modprobe semantics: no module answers to it. */
        NOT_FOUND,
        /** modprobe semantics: it is not a valid alias. */
        INVALID_NAME,
        /** Not processed: an earlier failure stopped the call. */
        NOT_PROCESSED
    }

    /**
     * One argument.
     *
     * @param argument the argument as given
     * @param modules  the modules it stands for (normalized names; an alias may stand for several)
     * @param status   how it ended
     */
    public record Argument(String argument, List<String> modules, Status status) {
        /** Copies the list. */
        public Argument {
            modules = List.copyOf(modules);
        }
    }

    /** Copies the lists. */
    public Removal {
        arguments = List.copyOf(arguments);
        steps = List.copyOf(steps);
        configFiles = List.copyOf(configFiles);
    }

    /**
     * Whether every argument is {@link Status#DONE} and nothing stopped the call before its arguments. As in kmod, an
     * argument is done when its own modules are gone: a soft dependency or an unused dependency that could not be
     * removed is a failed step, but does not fail the argument.
     *
     * @return true when the call did what was asked
     */
    public boolean succeeded() {
        return arguments.stream().allMatch(a -> a.status() == Status.DONE)
                && steps.stream().noneMatch(s -> s.failed() && s.argument() == null);
    }

    /**
     * Whether every argument's modules are now absent from the kernel: removed, already not loaded, or removed
     * earlier in the call. Idempotent: a second call on the same kernel is absent too, through
     * {@link Reason#NOT_LOADED}. False for a dry run, which removes nothing, and for builtin modules.
     *
     * @return true when every argument's modules are out of the kernel
     */
    public boolean absent() {
        if (dryRun || arguments.isEmpty()) {
            return !dryRun && arguments.isEmpty();
        }
        for (Argument a : arguments) {
            for (String module : a.modules()) {
                boolean gone = steps.stream().anyMatch(s -> module.equals(s.module())
                        && (s.reason() == Reason.REMOVED || s.reason() == Reason.NOT_LOADED
                        || s.reason() == Reason.ALREADY_REMOVED));
                if (!gone) {
                    return false;
                }
            }
            if (a.modules().isEmpty() && a.status() != Status.DONE) {
                return false;
            }
        }
        return true;
    }

    /** {@return the first failed step, if any} */
    public Optional<Step> failure() {
        return steps.stream().filter(Step::failed).findFirst();
    }

    /**
     * The steps of one argument, in order.
     *
     * @param argument an argument of the call
     * @return its steps
     */
    public List<Step> stepsOf(String argument) {
        return steps.stream().filter(s -> argument.equals(s.argument())).toList();
    }
}
