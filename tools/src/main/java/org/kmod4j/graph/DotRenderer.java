package org.kmod4j.graph;

/**
 * The graph as Graphviz DOT text: a box per module (name, size, refcount, state), an edge from each user to the
 * module it uses, the removal set filled and numbered in removal order, failures in red, permanent modules with a
 * double border and modules that are not live dashed.
 */
public final class DotRenderer {
    private DotRenderer() {
    }

    static final String REMOVED_FILL = "#ffd8a8";
    static final String FAILED_FILL = "#ffc9c9";

    public static String render(ModuleGraph g) {
        StringBuilder out = new StringBuilder();
        out.append("digraph modules {\n");
        out.append("  rankdir=TB;\n");
        out.append("  node [shape=box, style=\"rounded\", fontname=\"Helvetica\", fontsize=10];\n");
        out.append("  edge [arrowsize=0.7];\n");
        for (ModuleGraph.Node n : g.nodes()) {
            StringBuilder label = new StringBuilder();
            int order = g.removalOrder(n.name());
            if (order > 0) {
                label.append('#').append(order).append(' ');
            }
            label.append(n.name()).append("\\n").append(Labels.details(n));
            ModuleGraph.Failure f = g.failureOf(n.name());
            if (f != null) {
                label.append("\\n").append(f.reason());
            }
            StringBuilder style = new StringBuilder("rounded");
            String attrs = "";
            if (order > 0) {
                style.append(",filled");
                attrs += ", fillcolor=\"" + REMOVED_FILL + "\"";
            } else if (f != null) {
                style.append(",filled");
                attrs += ", fillcolor=\"" + FAILED_FILL + "\", color=\"#c92a2a\"";
            }
            if (!n.state().equals("live")) {
                style.append(",dashed");
            }
            if (n.permanent()) {
                attrs += ", peripheries=2";
            }
            out.append("  ").append(id(n.name())).append(" [label=").append(quote(label.toString()))
                    .append(", style=\"").append(style).append('"').append(attrs).append("];\n");
        }
        for (ModuleGraph.Edge e : g.edges()) {
            out.append("  ").append(id(e.user())).append(" -> ").append(id(e.used())).append(";\n");
        }
        out.append("}\n");
        return out.toString();
    }

    /** A DOT ID: module names are C identifiers, but quoting keeps any name safe. */
    private static String id(String name) {
        return quote(name);
    }

    private static String quote(String s) {
        // \n sequences in labels are already escaped by the caller; only quotes and other backslashes need care
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"') {
                b.append("\\\"");
            } else if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == 'n') {
                b.append("\\n");
                i++;
            } else if (c == '\\') {
                b.append("\\\\");
            } else if (c < 0x20) {
                b.append(' ');
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
