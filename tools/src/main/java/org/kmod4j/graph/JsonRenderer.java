package org.kmod4j.graph;

import java.util.List;

/** The graph as JSON, in the schema of docs/graph.md ({@code "graph": 1}). */
public final class JsonRenderer {
    private JsonRenderer() {
    }

    public static final int VERSION = 1;

    public static String render(ModuleGraph g) {
        StringBuilder o = new StringBuilder();
        o.append("{\n  \"graph\": ").append(VERSION).append(",\n  \"nodes\": [");
        String sep = "\n";
        for (ModuleGraph.Node n : g.nodes()) {
            o.append(sep).append("    {\"name\": ").append(str(n.name())).append(", \"size\": ")
                    .append(n.size() < 0 ? "null" : Long.toString(n.size())).append(", \"refcount\": ")
                    .append(n.refcount() == null ? "null" : n.refcount().toString()).append(", \"state\": ")
                    .append(str(n.state())).append(", \"permanent\": ").append(n.permanent()).append(", \"taints\": ")
                    .append(str(n.taints())).append(", \"removalOrder\": ");
            int order = g.removalOrder(n.name());
            o.append(order == 0 ? "null" : Integer.toString(order)).append('}');
            sep = ",\n";
        }
        o.append(g.nodes().isEmpty() ? "]" : "\n  ]").append(",\n  \"edges\": [");
        sep = "\n";
        for (ModuleGraph.Edge e : g.edges()) {
            o.append(sep).append("    {\"user\": ").append(str(e.user())).append(", \"used\": ").append(str(e.used()))
                    .append('}');
            sep = ",\n";
        }
        o.append(g.edges().isEmpty() ? "]" : "\n  ]").append(",\n  \"arguments\": [");
        sep = "";
        for (ModuleGraph.Argument a : g.arguments()) {
            o.append(sep).append("{\"name\": ").append(str(a.name())).append(", \"status\": ").append(str(a.status()))
                    .append('}');
            sep = ", ";
        }
        o.append("],\n  \"removal\": ").append(strings(g.removal())).append(",\n  \"failures\": [");
        sep = "";
        for (ModuleGraph.Failure f : g.failures()) {
            o.append(sep).append("{\"module\": ").append(str(f.module())).append(", \"reason\": ")
                    .append(str(f.reason())).append(", \"holders\": ").append(strings(f.holders())).append('}');
            sep = ", ";
        }
        return o.append("]\n}\n").toString();
    }

    private static String strings(List<String> list) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < list.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(str(list.get(i)));
        }
        return b.append(']').toString();
    }

    static String str(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
