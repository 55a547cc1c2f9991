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
    void removalSetFollowsModprobeDAliasesAndSoftDependenciesAndChangesNothing(@TempDir Path dir) throws Exception {
        Path root = ExampleCopies.copy(dir, "example");
        // the example's modprobe.d says: alias sound-card snd_hda_intel; this adds a soft dependency
        Files.writeString(root.resolve("etc/modprobe.d/soft.conf"), "softdep snd_hda_intel post: snd_seq_device\n");
        var before = ExampleCopies.contents(root);
        Kmod4jRun r = Kmod4jRun.of("graph", "--root", root.toString(), "--format", "json", "sound-card");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("\"removal\": [\"snd_hda_intel\", \"snd_pcm\", \"snd_timer\"]"), r.out());
        // the soft dependency is tried after snd_hda_intel; the fixture's snd_seq_device holds a reference outside
        // modules (refcount 1, no holder), so modprobe -r would fail to remove it
        assertTrue(r.out().contains("\"failures\": [{\"module\": \"snd_seq_device\", \"reason\": \"IN_USE\""),
                r.out());
        assertTrue(r.out().contains("{\"name\": \"snd_hda_intel\", \"status\": \"removed\"}"), r.out());
        assertEquals(before, ExampleCopies.contents(root), "the fixture is unchanged");
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
