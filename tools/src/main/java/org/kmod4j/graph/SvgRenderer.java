package org.kmod4j.graph;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.elk.alg.layered.options.LayeredMetaDataProvider;
import org.eclipse.elk.alg.layered.options.LayeredOptions;
import org.eclipse.elk.core.RecursiveGraphLayoutEngine;
import org.eclipse.elk.core.data.LayoutMetaDataService;
import org.eclipse.elk.core.options.CoreOptions;
import org.eclipse.elk.core.options.Direction;
import org.eclipse.elk.core.options.EdgeRouting;
import org.eclipse.elk.core.util.BasicProgressMonitor;
import org.eclipse.elk.graph.ElkBendPoint;
import org.eclipse.elk.graph.ElkEdge;
import org.eclipse.elk.graph.ElkEdgeSection;
import org.eclipse.elk.graph.ElkNode;
import org.eclipse.elk.graph.util.ElkGraphUtil;

/**
 * The graph as SVG, laid out by Eclipse ELK's layered algorithm (users above the modules they use, edges routed
 * orthogonally) and drawn from ELK's coordinates: a box per module, its name and details in monospace text, an arrow
 * per edge, the removal set filled and numbered.
 */
public final class SvgRenderer {
    private SvgRenderer() {
    }

    /** Monospace text: one character's advance at the font sizes used, so a box fits its text. */
    static final double NAME_FONT = 12;
    static final double DETAIL_FONT = 10;
    static final double CHAR_WIDTH = 0.6;
    static final double PADDING = 8;
    static final double MARGIN = 12;

    private static boolean registered;

    private static synchronized void registerElk() {
        if (!registered) {
            // Outside Eclipse there is no plugin registry: the layered algorithm is registered by hand.
            LayoutMetaDataService.getInstance().registerLayoutMetaDataProviders(new LayeredMetaDataProvider());
            registered = true;
        }
    }

    /** One box as laid out: its top-left corner and size. */
    public record Box(String name, double x, double y, double width, double height) {
        boolean overlaps(Box o) {
            return x < o.x + o.width && o.x < x + width && y < o.y + o.height && o.y < y + height;
        }
    }

    /** One edge as routed: its points from the user's box to the used module's box. */
    public record Route(String user, String used, List<double[]> points) {
    }

    /** The laid-out graph: boxes, routes and the drawing's size. */
    public record Layout(Map<String, Box> boxes, List<Route> routes, double width, double height) {
    }

    /** Lays the graph out with ELK layered. */
    public static Layout layout(ModuleGraph g) {
        registerElk();
        ElkNode root = ElkGraphUtil.createGraph();
        root.setProperty(CoreOptions.ALGORITHM, LayeredOptions.ALGORITHM_ID);
        root.setProperty(CoreOptions.DIRECTION, Direction.DOWN);
        root.setProperty(CoreOptions.EDGE_ROUTING, EdgeRouting.ORTHOGONAL);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE, 16.0);
        root.setProperty(LayeredOptions.SPACING_NODE_NODE_BETWEEN_LAYERS, 36.0);
        root.setProperty(LayeredOptions.SPACING_EDGE_NODE_BETWEEN_LAYERS, 12.0);
        root.setProperty(LayeredOptions.SPACING_COMPONENT_COMPONENT, 24.0);
        root.setProperty(CoreOptions.ASPECT_RATIO, 1.6);
        root.setProperty(CoreOptions.PADDING, new org.eclipse.elk.core.math.ElkPadding(MARGIN));
        Map<String, ElkNode> nodes = new HashMap<>();
        for (ModuleGraph.Node n : g.nodes()) {
            ElkNode e = ElkGraphUtil.createNode(root);
            e.setIdentifier(n.name());
            int chars = Math.max(title(g, n).length(), 0);
            double w = Math.max(chars * NAME_FONT * CHAR_WIDTH, second(g, n).length() * DETAIL_FONT * CHAR_WIDTH);
            e.setWidth(Math.ceil(w + 2 * PADDING));
            e.setHeight(Math.ceil(NAME_FONT + DETAIL_FONT + 3 * PADDING / 2 + 6));
            nodes.put(n.name(), e);
        }
        Map<ElkEdge, ModuleGraph.Edge> edges = new java.util.LinkedHashMap<>();
        for (ModuleGraph.Edge e : g.edges()) {
            edges.put(ElkGraphUtil.createSimpleEdge(nodes.get(e.user()), nodes.get(e.used())), e);
        }
        new RecursiveGraphLayoutEngine().layout(root, new BasicProgressMonitor());
        Map<String, Box> boxes = new java.util.LinkedHashMap<>();
        for (ModuleGraph.Node n : g.nodes()) {
            ElkNode e = nodes.get(n.name());
            boxes.put(n.name(), new Box(n.name(), e.getX(), e.getY(), e.getWidth(), e.getHeight()));
        }
        List<Route> routes = new java.util.ArrayList<>();
        for (Map.Entry<ElkEdge, ModuleGraph.Edge> e : edges.entrySet()) {
            List<double[]> points = new java.util.ArrayList<>();
            for (ElkEdgeSection s : e.getKey().getSections()) {
                points.add(new double[] {s.getStartX(), s.getStartY()});
                for (ElkBendPoint b : s.getBendPoints()) {
                    points.add(new double[] {b.getX(), b.getY()});
                }
                points.add(new double[] {s.getEndX(), s.getEndY()});
            }
            routes.add(new Route(e.getValue().user(), e.getValue().used(), points));
        }
        return new Layout(boxes, routes, Math.max(root.getWidth(), 1), Math.max(root.getHeight(), 1));
    }

    private static String title(ModuleGraph g, ModuleGraph.Node n) {
        int order = g.removalOrder(n.name());
        return (order > 0 ? "#" + order + " " : "") + n.name();
    }

    private static String second(ModuleGraph g, ModuleGraph.Node n) {
        ModuleGraph.Failure f = g.failureOf(n.name());
        return Labels.details(n) + (f == null ? "" : "  " + f.reason());
    }

    public static String render(ModuleGraph g) {
        Layout l = layout(g);
        StringBuilder o = new StringBuilder();
        o.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        o.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(num(l.width())).append("\" height=\"")
                .append(num(l.height())).append("\" viewBox=\"0 0 ").append(num(l.width())).append(' ')
                .append(num(l.height())).append("\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\">\n");
        o.append("  <title>kmod4j graph: ").append(g.nodes().size()).append(" modules, ").append(g.edges().size())
                .append(" uses").append(g.removal().isEmpty() ? "" : ", removal " + String.join(" ", g.removal()))
                .append("</title>\n");
        o.append("  <defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"7\" "
                + "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#495057\"/>"
                + "</marker></defs>\n");
        o.append("  <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        for (Route r : l.routes()) {
            o.append("  <polyline class=\"edge\" data-user=\"").append(xml(r.user())).append("\" data-used=\"")
                    .append(xml(r.used())).append("\" points=\"");
            for (int i = 0; i < r.points().size(); i++) {
                double[] p = r.points().get(i);
                o.append(i == 0 ? "" : " ").append(num(p[0])).append(',').append(num(p[1]));
            }
            o.append("\" fill=\"none\" stroke=\"#495057\" stroke-width=\"1\" marker-end=\"url(#arrow)\"/>\n");
        }
        for (ModuleGraph.Node n : g.nodes()) {
            Box b = l.boxes().get(n.name());
            int order = g.removalOrder(n.name());
            ModuleGraph.Failure f = g.failureOf(n.name());
            String fill = order > 0 ? DotRenderer.REMOVED_FILL : f != null ? DotRenderer.FAILED_FILL : "#f8f9fa";
            String stroke = order > 0 ? "#e8590c" : f != null ? "#c92a2a" : "#495057";
            o.append("  <g class=\"module\" data-name=\"").append(xml(n.name())).append('"')
                    .append(order > 0 ? " data-removal-order=\"" + order + "\"" : "").append(">\n");
            o.append("    <rect x=\"").append(num(b.x())).append("\" y=\"").append(num(b.y())).append("\" width=\"")
                    .append(num(b.width())).append("\" height=\"").append(num(b.height()))
                    .append("\" rx=\"4\" fill=\"").append(fill).append("\" stroke=\"").append(stroke)
                    .append("\" stroke-width=\"").append(order > 0 || f != null ? "2" : "1").append('"')
                    .append(n.state().equals("live") ? "" : " stroke-dasharray=\"4 2\"").append("/>\n");
            if (n.permanent()) {
                o.append("    <rect x=\"").append(num(b.x() + 2)).append("\" y=\"").append(num(b.y() + 2))
                        .append("\" width=\"").append(num(b.width() - 4)).append("\" height=\"")
                        .append(num(b.height() - 4)).append("\" rx=\"3\" fill=\"none\" stroke=\"").append(stroke)
                        .append("\" stroke-width=\"1\"/>\n");
            }
            o.append("    <text x=\"").append(num(b.x() + PADDING)).append("\" y=\"")
                    .append(num(b.y() + PADDING / 2 + NAME_FONT + 1)).append("\" font-size=\"").append(num(NAME_FONT))
                    .append("\" font-weight=\"bold\" fill=\"#212529\">").append(xml(title(g, n))).append("</text>\n");
            o.append("    <text x=\"").append(num(b.x() + PADDING)).append("\" y=\"")
                    .append(num(b.y() + PADDING + NAME_FONT + DETAIL_FONT + 3)).append("\" font-size=\"")
                    .append(num(DETAIL_FONT)).append("\" fill=\"#495057\">").append(xml(second(g, n)))
                    .append("</text>\n");
            o.append("  </g>\n");
        }
        return o.append("</svg>\n").toString();
    }

    static String num(double d) {
        if (d == Math.rint(d)) {
            return Long.toString((long) d);
        }
        return String.format(Locale.ROOT, "%.1f", d);
    }

    static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
