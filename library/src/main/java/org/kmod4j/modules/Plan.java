package org.kmod4j.modules;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.Taint;

/**
 * What a {@link Kmod#remove} call would do, predicted by {@link Kmod#explain}: the removal as it ran on a fresh
 * simulated copy of the kernel, and for each step what it met there (the module's state just before, the taint its
 * {@code delete_module} call added, the hazard of a forced unload). Immutable; never printed by the library.
 *
 * {@snippet :
 * Plan plan = kmod.explain(List.of("snd_pcm"), RemoveOptions.modprobe().build());
 * for (Plan.PlannedStep s : plan.steps()) {
 *     System.out.println(s.step().module() + " " + s.step().reason());   // snd_pcm REMOVED, snd_timer REMOVED
 * }
 * System.out.println(plan.succeeded() + " " + plan.cascade());            // true [snd_timer]
 * }
 *
 * @param removal    the removal as it ran on the copy: its steps, each argument's status
 * @param steps      one per step of {@code removal().steps()}, in the same order
 * @param initial    the copy's state before the removal
 * @param taintAfter the copy's taint mask after the removal
 * @param oopses     every oops the removal hit on the copy, {@code "MODULE: WHAT"}, oldest first
 * @param order      when several modules were given, the removal fails, and putting every module's users before it
 *                   changes the order: that order and whether it works (tried on another fresh copy); else null
 */
public record Plan(Removal removal, List<PlannedStep> steps, State initial, long taintAfter, List<String> oopses,
                   Order order) {

    /**
     * The kernel's state before the removal.
     *
     * @param modules         the loaded modules, newest first, as {@code /proc/modules} lists them
     * @param tainted         the taint mask ({@code /proc/sys/kernel/tainted})
     * @param modulesDisabled whether {@code /proc/sys/kernel/modules_disabled} is 1
     */
    public record State(List<Module> modules, long tainted, boolean modulesDisabled) {
        /** Copies the list. */
        public State {
            modules = List.copyOf(modules);
        }

        /** {@return how many modules are loaded} */
        public int loaded() {
            return modules.size();
        }
    }

    /**
     * One step, with what it met.
     *
     * @param step   the step, as in {@link Removal#steps()}
     * @param before the module just before the step (state, refcount, holders as {@code /proc/modules} lists them,
     *               size, taints, permanent; no dependencies or path), or null when it was not loaded
     * @param call   the {@code delete_module} call's effects, when the step made one ({@link Step#syscall()})
     */
    public record PlannedStep(Step step, Module before, Call call) {
        /** Checks the step. */
        public PlannedStep {
            Objects.requireNonNull(step);
        }

        /**
         * The hazard of a forced call ({@code O_TRUNC}) that succeeded while references were held: the module's memory
         * is freed, and each later drop of such a reference touches freed memory (an oops on a real kernel).
         *
         * @return the hazard in words, or empty when there is none
         */
        public Optional<String> oopsHazard() {
            Step.Syscall sc = step.syscall();
            if (sc == null || !sc.ok() || !RemoveFlag.FORCE.isSetIn(sc.flags()) || before == null
                    || before.refcount() == null || before.refcount() <= 0) {
                return Optional.empty();
            }
            return Optional.of("forced unload while " + before.refcount() + " reference(s) are held"
                    + (before.holders() == null || before.holders().isEmpty() ? ""
                    : " (by " + String.join(" ", before.holders()) + ")")
                    + ": the module's memory is freed, and when a holder drops its reference the kernel touches freed "
                    + "memory (oops)");
        }
    }

    /**
     * What one {@code delete_module} call did to the kernel besides its result ({@link Step#syscall()}).
     *
     * @param taintBefore the taint mask just before the call
     * @param taintAfter  the taint mask just after it
     * @param oopses      the oopses the simulator recorded during the call, {@code "MODULE: WHAT"}
     */
    public record Call(long taintBefore, long taintAfter, List<String> oopses) {
        /** Copies the list. */
        public Call {
            oopses = List.copyOf(oopses);
        }

        /** {@return the taint letters the call added ({@code "R"} for a forced unload), empty for none} */
        public String taintAdded() {
            return Taint.letters(taintAfter & ~taintBefore);
        }
    }

    /**
     * A module that was already out of the kernel: a step that found it builtin or not loaded. Reported as such, not
     * as an error (for "make sure these are absent").
     *
     * @param module the module
     * @param reason {@link Reason#BUILTIN} or {@link Reason#NOT_LOADED}
     */
    public record Absent(String module, Reason reason) {
    }

    /**
     * Another order of the modules given: every module's users (holders, transitively, among the modules given)
     * before it.
     *
     * @param holdersFirst the modules in that order, as given
     * @param works        whether the removal succeeds in that order (tried on another fresh copy)
     */
    public record Order(List<String> holdersFirst, boolean works) {
        /** Copies the list. */
        public Order {
            holdersFirst = List.copyOf(holdersFirst);
        }
    }

    /** Checks the components and copies the lists. */
    public Plan {
        Objects.requireNonNull(removal);
        Objects.requireNonNull(initial);
        steps = List.copyOf(steps);
        oopses = List.copyOf(oopses);
    }

    /** {@return whether the removal would succeed: {@link Removal#succeeded()} of the run on the copy} */
    public boolean succeeded() {
        return removal.succeeded();
    }

    /** {@return the taint mask before the removal} */
    public long taintBefore() {
        return initial.tainted();
    }

    /** {@return the taint letters the whole removal adds, empty for none} */
    public String taintAdded() {
        return Taint.letters(taintAfter & ~taintBefore());
    }

    /** {@return the dependencies removed because they became unused, in order} */
    public List<String> cascade() {
        return steps.stream().map(PlannedStep::step)
                .filter(s -> s.role() == Step.Role.DEPENDENCY && s.reason() == Reason.REMOVED)
                .map(Step::module).toList();
    }

    /**
     * The modules the removal found already out of the kernel, in step order: builtin, or not loaded. A module
     * modprobe takes as gone only because it has no {@code refcnt} file ({@code --remove-holders} on a kernel
     * without module unloading) is not among them: it may be loaded.
     *
     * @return the absent modules
     */
    public List<Absent> absent() {
        List<Absent> out = new ArrayList<>();
        for (PlannedStep p : steps) {
            Step s = p.step();
            boolean noRefcnt = s.refcount() != null && s.refcount() == -2;
            if (s.module() != null && (s.reason() == Reason.BUILTIN || s.reason() == Reason.NOT_LOADED && !noRefcnt)) {
                out.add(new Absent(s.module(), s.reason()));
            }
        }
        return out;
    }
}
