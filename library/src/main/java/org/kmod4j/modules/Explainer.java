package org.kmod4j.modules;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.kmod4j.api.ForwardingModuleSubsystem;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.TimedRemoval;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.snapshot.SnapshotKernel;

/** {@link Kmod#explain}: the removal on a fresh copy, recorded step by step, and the holders-first order. */
final class Explainer {
    private Explainer() {
    }

    static Plan explain(Kmod kmod, List<String> names, RemoveOptions options) {
        RemoveOptions reportOnly = options.semantics() == RemoveOptions.Semantics.MODPROBE
                && options.commands() == RemoveOptions.Commands.RUN
                ? options.toBuilder().commands(RemoveOptions.Commands.REPORT).build() : options;
        Kmod copy = kmod.freshCopy(kmod.diagnostics());
        Recorder recorder = new Recorder(simulator(copy.kernel()), options.listener());
        Plan.State initial = new Plan.State(recorder.modules().stream().map(Explainer::module).toList(),
                recorder.sim.taintedMask(), recorder.sim.modulesDisabled());
        Removal removal = copy.observed(recorder::wrap).remove(names,
                reportOnly.toBuilder().listener(recorder).build());
        Plan.Order order = null;
        if (!removal.succeeded() && names.size() > 1) {
            List<String> holdersFirst = holdersFirst(names, initial.modules());
            if (!holdersFirst.equals(names)) {
                Removal again = kmod.freshCopy(Diagnostics.NONE).remove(holdersFirst,
                        reportOnly.toBuilder().listener(RemovalListener.NONE).build());
                order = new Plan.Order(holdersFirst, again.succeeded());
            }
        }
        return new Plan(removal, recorder.steps, initial, recorder.sim.taintedMask(),
                recorder.sim.oopses().stream().map(Explainer::oops).toList(), order);
    }

    /** The simulator behind a copy: {@link Kmod#freshCopy} makes only simulated kernels. */
    private static SimulatedKernel simulator(ModuleSubsystem kernel) {
        return kernel instanceof SnapshotKernel sk ? sk.simulator() : (SimulatedKernel) kernel;
    }

    private static String oops(org.kmod4j.sim.Oops o) {
        return o.module() + ": " + o.what();
    }

    /** A {@code /proc/modules} line as a {@link Module}: what a step met. */
    static Module module(LoadedModule m) {
        Module.State state = switch (m.state()) {
            case LIVE -> Module.State.LIVE;
            case GOING -> Module.State.GOING;
            default -> Module.State.COMING;
        };
        return new Module(m.name().value(), state, m.refcount(), m.holders().stream().map(ModuleName::value).toList(),
                List.of(), List.of(), List.of(), m.size(), m.taints(), m.permanent(), null);
    }

    /**
     * The kernel the removal sees, recording each {@code delete_module} call with the module's state before it, the
     * taint around it and the oopses during it; and the listener that pairs each step with what it met, passing every
     * event on to the caller's listener.
     */
    private static final class Recorder implements RemovalListener {
        final SimulatedKernel sim;
        private final RemovalListener next;
        final List<Plan.PlannedStep> steps = new ArrayList<>();
        private ModuleSubsystem kernel;
        /** The last call not yet paired with its step, and the module before it. */
        private Plan.Call call;
        private Module callBefore;

        Recorder(SimulatedKernel sim, RemovalListener next) {
            this.sim = sim;
            this.kernel = sim;
            this.next = next;
        }

        ModuleSubsystem wrap(ModuleSubsystem k) {
            kernel = k;
            return new ForwardingModuleSubsystem(k) {
                @Override
                public SyscallResult deleteModule(UserString name, int flags) {
                    return record(name.toString(), () -> k.deleteModule(name, flags));
                }

                @Override
                public TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
                    return record(name, () -> k.deleteModuleWaiting(name, flags, timeout));
                }
            };
        }

        private synchronized <R> R record(String name, Supplier<R> delete) {
            Module before = find(name);
            long taint = sim.taintedMask();
            int oopses = sim.oopses().size();
            R r = delete.get();
            call = new Plan.Call(taint, sim.taintedMask(),
                    sim.oopses().stream().skip(oopses).map(Explainer::oops).toList());
            callBefore = before;
            return r;
        }

        List<LoadedModule> modules() {
            try {
                return kernel.loadedModules();
            } catch (ViewException | RuntimeException e) {
                return List.of();
            }
        }

        private Module find(String name) {
            for (LoadedModule m : modules()) {
                if (m.name().value().equals(name)) {
                    return module(m);
                }
            }
            return null;
        }

        @Override
        public synchronized void finished(Step step) {
            if (step.syscall() != null && call != null) {
                steps.add(new Plan.PlannedStep(step, callBefore, call));
            } else {
                // no call: nothing changed since the step began, so the state now is the state before it
                steps.add(new Plan.PlannedStep(step, step.module() == null ? null : find(step.module()), null));
            }
            call = null;
            next.finished(step);
        }

        @Override
        public void starting(String argument, String module, String command) {
            next.starting(argument, module, command);
        }

        @Override
        public void waiting(String module, Duration waited, Duration timeout, boolean ended) {
            next.waiting(module, waited, timeout, ended);
        }

        @Override
        public void report(Severity severity, String function, String message) {
            next.report(severity, function, message);
        }
    }

    /** The operands with every module's users (holders, transitively, among the operands) before it. */
    static List<String> holdersFirst(List<String> operands, List<Module> state) {
        Map<String, List<String>> holders = new LinkedHashMap<>();
        for (Module m : state) {
            holders.put(m.name(), m.holders() == null ? List.of() : m.holders());
        }
        Map<String, String> byName = new LinkedHashMap<>();
        for (String o : operands) {
            byName.putIfAbsent(o.replace('-', '_'), o);
        }
        Set<String> done = new LinkedHashSet<>();
        Set<String> visiting = new HashSet<>();
        for (String o : operands) {
            visit(o.replace('-', '_'), holders, byName, done, visiting);
        }
        List<String> out = new ArrayList<>();
        for (String d : done) {
            out.add(byName.get(d));
        }
        return out;
    }

    private static void visit(String m, Map<String, List<String>> holders, Map<String, String> operands,
                              Set<String> done, Set<String> visiting) {
        if (done.contains(m) || !visiting.add(m)) {
            return;
        }
        for (String h : reach(m, holders)) {
            if (operands.containsKey(h)) {
                visit(h, holders, operands, done, visiting);
            }
        }
        if (operands.containsKey(m)) {
            done.add(m);
        }
    }

    /** Every module that uses {@code m}, directly or through others. */
    private static Set<String> reach(String m, Map<String, List<String>> holders) {
        Set<String> seen = new LinkedHashSet<>();
        List<String> todo = new ArrayList<>(holders.getOrDefault(m, List.of()));
        while (!todo.isEmpty()) {
            String h = todo.removeFirst();
            if (seen.add(h)) {
                todo.addAll(holders.getOrDefault(h, List.of()));
            }
        }
        return seen;
    }
}
