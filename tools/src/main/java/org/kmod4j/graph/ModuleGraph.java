package org.kmod4j.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ViewException;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;
import org.kmod4j.modules.Module;
import org.kmod4j.modules.Reason;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemoveOptions;
import org.kmod4j.modules.Step;
import org.kmod4j.sim.BuiltinModule;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.SimulatedKernel;

/**
 * The loaded modules and who uses whom: one node per module of {@code /proc/modules}, one edge from each holder (a
 * user) to the module it uses, and the removal set of some modules as {@code modprobe -r} would remove them.
 *
 * @param nodes     the loaded modules, newest first (as {@code /proc/modules} lists them)
 * @param edges     user to used module, one per holder
 * @param arguments the modules asked about, each with what {@code modprobe -r} would make of it
 * @param removal   the modules {@code modprobe -r ARGUMENTS} would remove, in the order it would remove them
 * @param failures  the modules it would try and fail to remove, with the reason
 */
public record ModuleGraph(List<Node> nodes, List<Edge> edges, List<Argument> arguments, List<String> removal,
                          List<Failure> failures) {

    /**
     * One loaded module.
     *
     * @param name      its name
     * @param size      its size in bytes, or -1 when unreadable
     * @param refcount  its reference count ({@code -1} for a GOING module whose base reference was dropped), or null
     *                  when unreadable
     * @param state     {@code live}, {@code coming} or {@code going}
     * @param permanent whether it has no exit function: only a forced removal takes it out
     * @param taints    its taint letters, empty when none
     */
    public record Node(String name, long size, Integer refcount, String state, boolean permanent, String taints) {
    }

    /** {@code user} holds {@code used}: the user is in {@code /sys/module/USED/holders}. */
    public record Edge(String user, String used) {
    }

    /** A module asked about and its status ({@code removed}, {@code not-loaded}, {@code builtin}, {@code failed}). */
    public record Argument(String name, String status) {
    }

    /** A module {@code modprobe -r} would fail to remove, and the reason's name ({@link Reason}). */
    public record Failure(String module, String reason, List<String> holders) {
    }

    /** Thrown for a module that no backend knows: not loaded, not builtin, not in the module directory. */
    public static final class UnknownModuleException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UnknownModuleException(String name) {
            super("module " + name + " not found");
        }
    }

    public ModuleGraph {
        nodes = List.copyOf(nodes);
        edges = List.copyOf(edges);
        arguments = List.copyOf(arguments);
        removal = List.copyOf(removal);
        failures = List.copyOf(failures);
    }

    /** The position (1 first) of {@code module} in the removal order, or 0 when it would not be removed. */
    public int removalOrder(String module) {
        return removal.indexOf(module) + 1;
    }

    /** The failure of {@code module}, or null. */
    public Failure failureOf(String module) {
        return failures.stream().filter(f -> f.module().equals(module)).findFirst().orElse(null);
    }

    /**
     * The graph of {@code kmod}'s loaded modules and the removal set of {@code modules}, computed by
     * {@code modprobe -r} semantics on a simulated copy of the backend: {@code kmod} itself is only read.
     *
     * @throws UnknownModuleException when a module is neither loaded, builtin nor in the module directory
     */
    public static ModuleGraph of(Kmod kmod, List<String> modules) {
        List<Module> loaded = kmod.loaded();
        List<Node> nodes = new ArrayList<>();
        List<Edge> edges = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (Module m : loaded) {
            names.add(m.name());
        }
        for (Module m : loaded) {
            nodes.add(new Node(m.name(), m.sizeValue().orElse(-1), m.refcountValue().isPresent()
                    ? Integer.valueOf(m.refcountValue().getAsInt()) : null,
                    m.state().name().toLowerCase(java.util.Locale.ROOT), Boolean.TRUE.equals(m.permanent()),
                    m.taints() == null ? "" : m.taints()));
            if (m.holders() != null) {
                for (String h : m.holders()) {
                    if (names.contains(h)) {
                        edges.add(new Edge(h, m.name()));
                    }
                }
            }
        }
        if (modules.isEmpty()) {
            return new ModuleGraph(nodes, edges, List.of(), List.of(), List.of());
        }
        // What each argument is on the original backend, and the module directory the copy needs.
        Map<String, Module> asked = new LinkedHashMap<>();
        for (String name : modules) {
            Module m = kmod.module(name);
            if (m.state() == Module.State.NOT_LOADED && m.path() == null && kmod.lookup(name).isEmpty()) {
                throw new UnknownModuleException(name);
            }
            asked.put(name, m);
        }
        Removal r = removeOnCopy(kmod, loaded, asked);
        List<String> removal = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Step s : r.steps()) {
            if (s.reason() == Reason.REMOVED && !removal.contains(s.module())) {
                removal.add(s.module());
            } else if (s.failed()) {
                failures.add(new Failure(s.module(), s.reason().name(), s.holders()));
            }
        }
        List<Argument> arguments = new ArrayList<>();
        for (Map.Entry<String, Module> a : asked.entrySet()) {
            Module m = a.getValue();
            String status = m.builtin() ? "builtin" : !m.loaded() ? "not-loaded"
                    : removal.contains(m.name()) ? "removed" : "failed";
            arguments.add(new Argument(m.name(), status));
        }
        return new ModuleGraph(nodes, edges, arguments, removal, failures);
    }

    /**
     * {@code modprobe -r} for real on a simulated kernel restored from the backend's {@code /proc/modules}, with a
     * module directory giving each module the dependencies the backend's {@code modules.dep} gives it. A dry run on
     * the backend would not do: nothing is removed in it, so the dependencies still look used and the cascade stops.
     */
    private static Removal removeOnCopy(Kmod kmod, List<Module> loaded, Map<String, Module> asked) {
        List<LoadedModule> snapshot;
        try {
            snapshot = kmod.kernel().loadedModules();
        } catch (ViewException e) {
            throw new KmodException("cannot read /proc/modules: " + e.getMessage());
        }
        SimulatedKernel.Builder copy = SimulatedKernel.builder().restore(snapshot);
        // Each module's modules.dep line, from the backend; a dependency that is not loaded has nothing to remove.
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (Module m : loaded) {
            deps.put(m.name(), m.dependencies());
        }
        for (Module m : asked.values()) {
            if (m.builtin()) {
                copy.builtin(BuiltinModule.of(m.name()));
            } else {
                deps.putIfAbsent(m.name(), m.dependencies());
            }
        }
        for (List<String> ds : List.copyOf(deps.values())) {
            for (String d : ds) {
                deps.putIfAbsent(d, List.of());
            }
        }
        deps.forEach((name, ds) -> copy.module(image(name, ds)));
        return Kmod.simulator(copy.build()).remove(List.copyOf(asked.values().stream().map(Module::name).toList()),
                RemoveOptions.modprobe().build());
    }

    /** A module image that exports one symbol of its own and uses one of each dependency. */
    private static ModuleImage image(String name, List<String> deps) {
        return ModuleImage.builder(name).exports(symbol(name))
                .uses(deps.stream().map(ModuleGraph::symbol).toArray(String[]::new)).build();
    }

    private static String symbol(String module) {
        return "kmod4j_graph__" + Objects.requireNonNull(module);
    }
}
