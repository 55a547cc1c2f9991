package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kmod4j graph}: its formats, output file and bad input. */
class GraphCommandTest {
    private static final String SOUND = java.nio.file.Path.of(System.getProperty("kmod4j.repository", "."),
            "examples/sound-stack.scn").normalize().toString();


    @Test
    void dotIsTheDefaultFormat() {
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", SOUND, "snd_pcm");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("digraph modules {"), r.out());
        assertTrue(r.out().contains("#2 snd_timer"), r.out());
    }

    @Test
    void svgIsWrittenToTheOutputFile(@TempDir Path dir) throws Exception {
        Path svg = dir.resolve("g.svg");
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", SOUND, "--format", "svg", "-o",
                svg.toString(), "snd_pcm");
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());
        assertTrue(Files.readString(svg).contains("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    }

    @Test
    void unknownModuleIsAMessageAndStatusOne() {
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", SOUND, "nonesuch");
        assertEquals(1, r.status());
        assertEquals("kmod4j graph: module nonesuch not found\n", r.err());
        assertEquals("", r.out());
    }

    @Test
    void badFormatIsUsageAndStatusTwo() {
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", SOUND, "--format", "png");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--format"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void unreadableSimIsAMessageAndStatusOne(@TempDir Path dir) {
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", dir.resolve("missing.scn").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("kmod4j graph: --sim "), r.err());
        assertTrue(r.err().contains("No such file"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void rootAndSimTogetherAreRefused(@TempDir Path dir) {
        Kmod4jRun r = Kmod4jRun.of("graph", "--root", dir.toString(), "--sim", SOUND);
        assertEquals(1, r.status());
        assertEquals("kmod4j graph: --root and --sim cannot be used together.\n", r.err());
    }

    @Test
    void unwritableOutputIsAMessageAndStatusOne(@TempDir Path dir) {
        Kmod4jRun r = Kmod4jRun.of("graph", "--sim", SOUND, "-o",
                dir.resolve("no/such/dir/g.dot").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("kmod4j graph: cannot write "), r.err());
    }
}
