package org.kmod4j.graph;

/** The second line of a module's box, shared by the DOT and SVG renderers. */
final class Labels {
    private Labels() {
    }

    /** {@code 172032 B · used 1 · live [permanent]}. */
    static String details(ModuleGraph.Node n) {
        StringBuilder b = new StringBuilder();
        b.append(n.size() < 0 ? "?" : Long.toString(n.size())).append(" B  used ")
                .append(n.refcount() == null ? "?" : n.refcount().toString()).append("  ").append(n.state());
        if (n.permanent()) {
            b.append(" [permanent]");
        }
        if (!n.taints().isEmpty()) {
            b.append(" (").append(n.taints()).append(')');
        }
        return b.toString();
    }
}
