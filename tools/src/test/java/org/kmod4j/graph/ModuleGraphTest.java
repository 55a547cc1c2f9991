package org.kmod4j.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.modules.Kmod;

/** The graph of the loaded modules, its removal set, and its three renderings. */
class ModuleGraphTest {

    static final Path SOUND_STACK = Path.of(System.getProperty("kmod4j.repository", "."), "examples/sound-stack.scn")
            .normalize();

    static ModuleGraph sound(String... modules) {
        return ModuleGraph.of(Kmod.scenario(SOUND_STACK), List.of(modules));
    }

    /**
     * A host-sized scenario: {@code n} modules in stacks of a few layers, each using one to three older modules, some
     * permanent, some left alone.
     */
    static Path generated(Path dir, int n) throws IOException {
        StringBuilder s = new StringBuilder();
        java.util.Random random = new java.util.Random(10);
        for (int i = 0; i < n; i++) {
            s.append("module m").append(i).append(" size=").append(4096 * (1 + random.nextInt(40)))
                    .append(" exports=s").append(i);
            if (i % 7 != 0 && i > 0) {
                Set<Integer> uses = new java.util.TreeSet<>();
                int k = 1 + random.nextInt(3);
                for (int j = 0; j < k; j++) {
                    uses.add(Math.max(0, i - 1 - random.nextInt(Math.min(i, 12))));
                }
                s.append(" uses=");
                s.append(String.join(",", uses.stream().map(u -> "s" + u).toList()));
            }
            s.append(" init").append(i % 23 == 5 ? "" : " exit").append('\n');
        }
        for (int i = 0; i < n; i++) {
            s.append("load m").append(i).append('\n');
        }
        return Files.writeString(dir.resolve("generated.scn"), s.toString());
    }

    @Test
    void edgesGoFromUserToUsedModule() {
        ModuleGraph g = sound();
        assertTrue(g.edges().contains(new ModuleGraph.Edge("snd_pcm", "snd_timer")));
        assertTrue(g.edges().contains(new ModuleGraph.Edge("snd", "soundcore")));
        assertEquals(5, g.edges().size());
        assertEquals(List.of("snd_seq_device", "snd_pcm", "snd_timer", "snd", "soundcore"),
                g.nodes().stream().map(ModuleGraph.Node::name).toList());
    }

    @Test
    void removalSetOfSndPcmIsSndPcmThenSndTimer() {
        ModuleGraph g = sound("snd-pcm");
        assertEquals(List.of("snd_pcm", "snd_timer"), g.removal());
        assertEquals(List.of(new ModuleGraph.Argument("snd_pcm", "removed")), g.arguments());
    }

    @Test
    void computingTheRemovalSetRemovesNothing() throws Exception {
        Kmod kmod = Kmod.scenario(SOUND_STACK);
        String before = kmod.kernel().readFile("/proc/modules");
        ModuleGraph.of(kmod, List.of("snd_pcm", "snd_seq_device"));
        assertEquals(before, kmod.kernel().readFile("/proc/modules"));
    }

    @Test
    void removalOfAllUsersCascadesToTheBottom() {
        ModuleGraph g = sound("snd_pcm", "snd_seq_device");
        assertEquals(List.of("snd_pcm", "snd_timer", "snd_seq_device", "snd", "soundcore"), g.removal());
    }

    @Test
    void aModuleInUseIsAFailureWithModprobesReason() {
        // modprobe -r checks the reference count (rmmod would name the holders)
        ModuleGraph g = sound("snd");
        assertEquals(List.of(), g.removal());
        ModuleGraph.Failure f = g.failureOf("snd");
        assertEquals("IN_USE", f.reason());
        assertEquals("failed", g.arguments().get(0).status());
    }

    @Test
    void unknownModuleIsRefused() {
        var e = assertThrows(ModuleGraph.UnknownModuleException.class, () -> sound("no_such_module"));
        assertEquals("module no_such_module not found", e.getMessage());
    }

    @Test
    void dotNumbersAndFillsTheRemovalSet() {
        String dot = DotRenderer.render(sound("snd_pcm"));
        assertTrue(dot.startsWith("digraph modules {\n"), dot);
        assertTrue(dot.contains("\"snd_pcm\" [label=\"#1 snd_pcm\\n172032 B  used 0  live\", style=\"rounded,filled\""),
                dot);
        assertTrue(dot.contains("\"snd_timer\" [label=\"#2 snd_timer"), dot);
        assertTrue(dot.contains("\"snd\" [label=\"snd\\n"), dot);
        assertTrue(dot.contains("  \"snd_pcm\" -> \"snd_timer\";\n"), dot);
    }

    @Test
    void permanentModulesAreMarked(@TempDir Path dir) throws IOException {
        Path scn = Files.writeString(dir.resolve("p.scn"), "module keep init\nload keep\n");
        ModuleGraph g = ModuleGraph.of(Kmod.scenario(scn), List.of("keep"));
        assertTrue(g.nodes().get(0).permanent());
        assertEquals("PERMANENT", g.failureOf("keep").reason());
        assertTrue(DotRenderer.render(g).contains("peripheries=2"));
        assertTrue(SvgRenderer.render(g).contains("[permanent]"));
    }

    @Test
    void jsonFollowsTheDocumentedSchema() {
        String json = JsonRenderer.render(sound("snd_pcm"));
        // the keys docs/graph.md documents, in its order
        assertTrue(Pattern.compile("(?s)\\{\\s*\"graph\": 1,\\s*\"nodes\": \\[.*\\],\\s*\"edges\": \\[.*\\],\\s*"
                + "\"arguments\": \\[.*\\],\\s*\"removal\": \\[.*\\],\\s*\"failures\": \\[.*\\]\\s*}\\s*").matcher(json)
                .matches(), json);
        assertTrue(json.contains("{\"name\": \"snd_pcm\", \"size\": 172032, \"refcount\": 0, \"state\": \"live\", "
                + "\"permanent\": false, \"taints\": \"\", \"removalOrder\": 1}"), json);
        assertTrue(json.contains("{\"user\": \"snd_pcm\", \"used\": \"snd_timer\"}"), json);
        assertTrue(json.contains("\"removal\": [\"snd_pcm\", \"snd_timer\"]"), json);
        assertTrue(json.contains("\"arguments\": [{\"name\": \"snd_pcm\", \"status\": \"removed\"}]"), json);
    }

    @Test
    void svgBoxesDoNotOverlap(@TempDir Path dir) throws IOException {
        ModuleGraph g = ModuleGraph.of(Kmod.scenario(generated(dir, 150)), List.of("m149", "m100"));
        assertEquals(150, g.nodes().size());
        SvgRenderer.Layout l = SvgRenderer.layout(g);
        List<SvgRenderer.Box> boxes = new ArrayList<>(l.boxes().values());
        for (int i = 0; i < boxes.size(); i++) {
            SvgRenderer.Box a = boxes.get(i);
            assertTrue(a.x() >= 0 && a.y() >= 0 && a.x() + a.width() <= l.width() && a.y() + a.height() <= l.height(),
                    a + " outside the drawing");
            for (int j = i + 1; j < boxes.size(); j++) {
                assertFalse(a.overlaps(boxes.get(j)), a + " overlaps " + boxes.get(j));
            }
        }
        // readable: not a ribbon of 150 boxes
        assertTrue(l.width() / l.height() < 4 && l.height() / l.width() < 4, l.width() + "x" + l.height());
    }

    @Test
    void svgHasEveryEdgeFromItsUsersBoxToItsUsedModulesBox(@TempDir Path dir) throws IOException {
        ModuleGraph g = ModuleGraph.of(Kmod.scenario(generated(dir, 150)), List.of("m149"));
        String svg = SvgRenderer.render(g);
        SvgRenderer.Layout l = SvgRenderer.layout(g);
        Matcher m = Pattern.compile("<polyline class=\"edge\" data-user=\"(\\w+)\" data-used=\"(\\w+)\" points=\"([^\"]+)\"")
                .matcher(svg);
        Set<ModuleGraph.Edge> drawn = new HashSet<>();
        while (m.find()) {
            drawn.add(new ModuleGraph.Edge(m.group(1), m.group(2)));
            String[] points = m.group(3).split(" ");
            assertTrue(points.length >= 2);
            assertTrue(touches(l.boxes().get(m.group(1)), points[0]), m.group(0));
            assertTrue(touches(l.boxes().get(m.group(2)), points[points.length - 1]), m.group(0));
        }
        assertEquals(Set.copyOf(g.edges()), drawn);
        assertEquals(g.edges().size(), Set.copyOf(g.edges()).size());
        assertTrue(g.edges().size() > 150, "edges: " + g.edges().size());
        for (Map.Entry<String, SvgRenderer.Box> b : l.boxes().entrySet()) {
            assertTrue(svg.contains("data-name=\"" + b.getKey() + "\""), b.getKey());
        }
    }

    /** Whether a point lies on the border of a box (within a pixel). */
    private static boolean touches(SvgRenderer.Box b, String point) {
        String[] xy = point.split(",");
        double x = Double.parseDouble(xy[0]);
        double y = Double.parseDouble(xy[1]);
        return x >= b.x() - 1 && x <= b.x() + b.width() + 1 && y >= b.y() - 1 && y <= b.y() + b.height() + 1;
    }

    @Test
    void svgNumbersAndFillsTheRemovalSet() {
        String svg = SvgRenderer.render(sound("snd_pcm"));
        assertTrue(svg.contains("data-name=\"snd_pcm\" data-removal-order=\"1\""), svg);
        assertTrue(svg.contains(">#2 snd_timer</text>"), svg);
        assertTrue(svg.contains("marker-end=\"url(#arrow)\""), svg);
    }
}
