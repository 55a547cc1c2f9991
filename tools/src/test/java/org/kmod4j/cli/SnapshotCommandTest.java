package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.snapshot.Snapshot;
import org.kmod4j.snapshot.SnapshotFormat;

/** kmod4j snapshot, and the tools reading a snapshot with --sim FILE as they read the original with --root. */
class SnapshotCommandTest {
    @TempDir
    Path tmp;

    private Path snapshot(Path root) {
        Path file = tmp.resolve(root.getFileName() + ".snap");
        Kmod4jRun r = Kmod4jRun.of("snapshot", "--root", root.toString(), "-o", file.toString());
        assertEquals(0, r.status(), r.err());
        return file;
    }

    @Test
    void snapshotRoundTripsTheExampleFixture() throws Exception {
        Path fx = ExampleCopies.copy(tmp, "fx");
        Path file = snapshot(fx);
        String text = Files.readString(file);
        assertTrue(text.startsWith("kmod4j-snapshot 1\n"), text);
        assertTrue(text.endsWith("end\n"));
        Snapshot s = SnapshotFormat.read(file);
        assertEquals("6.1.0-kmod4j-example", s.release());
        assertEquals(6, s.modules().size());
        assertEquals(text, SnapshotFormat.write(s), "written again, the same text");
        Kmod4jRun stdout = Kmod4jRun.of("snapshot", "--root", fx.toString());
        assertEquals(text, stdout.out());
    }

    @Test
    void lsmodOnASnapshotPrintsWhatItPrintsOnTheOriginal() throws Exception {
        Path fx = ExampleCopies.copy(tmp, "fx");
        Path file = snapshot(fx);
        Kmod4jRun original = Kmod4jRun.of("lsmod", "--root", fx.toString());
        Kmod4jRun copy = Kmod4jRun.of("lsmod", "--sim", file.toString());
        assertEquals(original, copy);
        assertEquals(Kmod4jRun.of("lsmod", "--json", "--root", fx.toString()),
                Kmod4jRun.of("lsmod", "--json", "--sim", file.toString()));
    }

    @Test
    void removalsOnASnapshotAnswerAsOnTheOriginal() throws Exception {
        Path file = snapshot(ExampleCopies.copy(tmp, "fx"));
        List<List<String>> commands = List.of(
                List.of("rmmod", "snd"), List.of("rmmod", "snd_hda_intel"), List.of("rmmod", "-f", "snd_seq_device"),
                List.of("rmmod", "snd_hda_intel", "snd_pcm", "snd_timer"), List.of("rmmod", "nosuch"),
                List.of("rmmod", "ext4"), List.of("modprobe", "-r", "snd_hda_intel"),
                List.of("modprobe", "-r", "sound-card"), List.of("modprobe", "-r", "-v", "snd_pcm", "soundcore"),
                List.of("modprobe", "-r", "ext4"), List.of("modprobe", "-r", "--remove-holders", "snd_pcm"),
                List.of("modprobe", "-r", "-n", "-v", "snd_hda_intel"), List.of("modprobe", "-r", "--json", "snd"));
        Path original = ExampleCopies.copy(tmp, "original");
        int i = 0;
        for (List<String> c : commands) {
            Path copy = ExampleCopies.duplicate(original, tmp.resolve("c" + i++));
            String[] onRoot = concat(c, "--root", copy.toString());
            String[] onSim = concat(c, "--sim", file.toString());
            Kmod4jRun a = Kmod4jRun.of(onRoot);
            Kmod4jRun b = Kmod4jRun.of(onSim);
            assertEquals(a.status(), b.status(), String.join(" ", c));
            assertEquals(a.out().replace(copy.toString(), "T"), b.out().replace(file.toString(), "T"),
                    String.join(" ", c));
            assertEquals(a.err(), b.err().replace("--sim", "--root"), String.join(" ", c));
        }
    }

    private static String[] concat(List<String> c, String... more) {
        String[] out = new String[c.size() + more.length];
        out[0] = c.get(0);
        System.arraycopy(more, 0, out, 1, more.length);
        for (int i = 1; i < c.size(); i++) {
            out[more.length + i] = c.get(i);
        }
        return out;
    }

    @Test
    void aCorruptSnapshotIsRefusedWithItsLineNumber() throws Exception {
        Path file = snapshot(ExampleCopies.copy(tmp, "fx"));
        List<String> lines = Files.readAllLines(file);
        int at = lines.indexOf("|snd_pcm 172032 1 snd_hda_intel, Live 0xffffffffc0a30000") + 1;
        assertTrue(at > 0, "the snd_pcm line");
        Path bad = tmp.resolve("bad.snap");
        Files.writeString(bad, Files.readString(file).replace("|snd_pcm 172032 1", "|snd_pcm lots 1"));
        for (String tool : List.of("lsmod", "rmmod", "modprobe")) {
            Kmod4jRun r = switch (tool) {
                case "lsmod" -> Kmod4jRun.of(tool, "--sim", bad.toString());
                case "rmmod" -> Kmod4jRun.of(tool, "--sim", bad.toString(), "snd");
                default -> Kmod4jRun.of(tool, "-r", "--sim", bad.toString(), "snd");
            };
            assertEquals(1, r.status(), tool);
            assertTrue(r.err().contains(bad + ":" + at + ": /proc/modules: malformed line"), tool + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
    }

    @Test
    void aTruncatedOrForeignSnapshotIsRefusedNamingFileAndLine() throws Exception {
        Path file = snapshot(ExampleCopies.copy(tmp, "fx"));
        String text = Files.readString(file);
        Path truncated = tmp.resolve("truncated.snap");
        Files.writeString(truncated, text.substring(0, text.indexOf("text /sys/module/snd/refcnt")));
        Kmod4jRun r = Kmod4jRun.of("rmmod", "--sim", truncated.toString(), "snd");
        assertEquals(1, r.status());
        assertTrue(r.err().contains(truncated + ":") && r.err().contains("truncated"), r.err());
        Path v2 = tmp.resolve("v2.snap");
        Files.writeString(v2, text.replace("kmod4j-snapshot 1", "kmod4j-snapshot 2"));
        r = Kmod4jRun.of("lsmod", "--sim", v2.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(v2 + ":1: snapshot format version '2' is not supported"), r.err());
        Path count = tmp.resolve("count.snap");
        Files.writeString(count, text.replace("text /proc/modules 6", "text /proc/modules 9"));
        r = Kmod4jRun.of("lsmod", "--sim", count.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains(count + ":"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void snapshotOfAMissingRootFailsWithAMessage() {
        Kmod4jRun r = Kmod4jRun.of("snapshot", "--root", tmp.resolve("none").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("not a directory"), r.err());
    }
}
