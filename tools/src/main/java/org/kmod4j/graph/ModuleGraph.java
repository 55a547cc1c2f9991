package org.kmod4j.graph;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.Module;
import org.kmod4j.modules.Reason;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemoveOptions;
import org.kmod4j.modules.Step;

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
        // modprobe -r predicted by the library on a fresh simulated copy of the backend, with everything modprobe -r
        // reads there (module directory, modprobe.d's aliases, soft dependencies and remove commands; those are
        // reported, never run). A dry run on the backend would not do: nothing is removed in it, so the dependencies
        // still look used and the cascade stops.
        Removal r = kmod.explain(modules, RemoveOptions.modprobe().build()).removal();
        for (Removal.Argument a : r.arguments()) {
            if (a.status() == Removal.Status.NOT_FOUND || a.status() == Removal.Status.INVALID_NAME) {
                throw new UnknownModuleException(a.argument());
            }
        }
        List<String> removal = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        for (Step s : r.steps()) {
            if (s.reason() == Reason.REMOVED && !removal.contains(s.module())) {
                removal.add(s.module());
            } else if (s.failed()) {
                failures.add(new Failure(s.module(), s.reason().name(), s.holders()));
            }
        }
        // each argument by the modules it stands for (an alias may stand for several), as they are on the backend
        List<Argument> arguments = new ArrayList<>();
        for (Removal.Argument a : r.arguments()) {
            for (String name : a.modules().isEmpty() ? List.of(a.argument()) : a.modules()) {
                Module m = kmod.module(name);
                String status = m.builtin() ? "builtin" : !m.loaded() ? "not-loaded"
                        : removal.contains(m.name()) ? "removed" : "failed";
                arguments.add(new Argument(m.name(), status));
            }
        }
        return new ModuleGraph(nodes, edges, arguments, removal, failures);
    }

}
