package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.cli.Main;

/**
 * The sample fixture {@code examples/fixture} (examples/README.md): the tools over a copy of it, and
 * {@code scripts/make-fixture.sh} copying it as it copies a running machine.
 */
class ExampleFixtureTest {
    /** The repository's top: surefire sets kmod4j.repository (the tests run in tools/); else the working directory. */
    private static final Path REPOSITORY = Path.of(System.getProperty("kmod4j.repository", ".")).toAbsolutePath()
            .normalize();
    private static final Path EXAMPLE = REPOSITORY.resolve("examples/fixture");

    @TempDir
    Path tmp;

    private record Run(String out, String err, int status) {
    }

    private static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(out.toString(), err.toString(), status);
    }

    /**
     * A copy of the example to remove from. Git keeps no empty directory, so a fresh clone has no
     * {@code holders/} of the modules nothing holds; as make-fixture.sh does, the copy gets one for each module.
     */
    private Path copy() throws IOException {
        Path dest = tmp.resolve("copy");
        try (Stream<Path> walk = Files.walk(EXAMPLE)) {
            for (Path p : walk.toList()) {
                Path target = dest.resolve(EXAMPLE.relativize(p).toString());
                if (Files.isSymbolicLink(p)) {
                    Files.createSymbolicLink(target, Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        try (Stream<Path> modules = Files.list(dest.resolve("sys/module"))) {
            for (Path m : modules.toList()) {
                Files.createDirectories(m.resolve("holders"));
            }
        }
        return dest;
    }

    private static final String LSMOD = """
            Module                  Size  Used by
            snd_hda_intel          61440  0
            snd_seq_device         16384  1
            snd_pcm               172032  1 snd_hda_intel
            snd_timer              49152  1 snd_pcm
            snd                   135168  4 %s
            soundcore              16384  1 snd
            """;

    /** snd's holders in the directory order of the file system the fixture is on. */
    private static String sndHolders(Path root) throws IOException {
        try (Stream<Path> holders = Files.list(root.resolve("sys/module/snd/holders"))) {
            List<String> names = new ArrayList<>();
            holders.forEach(h -> names.add(h.getFileName().toString()));
            return String.join(",", names);
        }
    }

    @Test
    void lsmodReadsTheExampleInPlace() throws IOException {
        Run r = cli("lsmod", "--root", EXAMPLE.toString());
        // A clone has no empty holders/ directories (git keeps none): libkmod's complaint for each, as kmod prints it.
        StringBuilder err = new StringBuilder();
        for (String leaf : List.of("snd_hda_intel", "snd_seq_device")) {
            if (!Files.isDirectory(EXAMPLE.resolve("sys/module/" + leaf + "/holders"))) {
                err.append("libkmod: kmod_module_get_holders: could not open '/sys/module/").append(leaf)
                        .append("/holders': No such file or directory\n");
            }
        }
        assertEquals(new Run(LSMOD.formatted(sndHolders(EXAMPLE)), err.toString(), 0), r);
        assertEquals(4, sndHolders(EXAMPLE).split(",").length);
    }

    @Test
    void rmmodAndModprobeRemoveFromACopy() throws IOException {
        String before = Files.readString(EXAMPLE.resolve("proc/modules"));
        Path root = copy();
        String dir = root.toString();
        assertEquals(new Run("", "rmmod: ERROR: Module ext4 is builtin.\n", 1), cli("rmmod", "--root", dir, "ext4"));
        assertEquals(new Run("", "rmmod: ERROR: Module snd_timer is in use by: snd_pcm\n", 1),
                cli("rmmod", "--root", dir, "snd_timer"));
        assertEquals(new Run("", "rmmod: ERROR: Module snd_seq_device is in use\n", 1),
                cli("rmmod", "--root", dir, "snd_seq_device"));
        // the alias of etc/modprobe.d, then the dependencies modules.dep.bin names that nothing uses any more
        assertEquals(new Run("rmmod snd_hda_intel\nrmmod snd_pcm\nrmmod snd_timer\n", "", 0),
                cli("modprobe", "-r", "-v", "--root", dir, "sound-card"));
        assertEquals("""
                snd_seq_device 16384 1 - Live 0xffffffffc0a60000
                snd 135168 1 snd_seq_device, Live 0xffffffffc0a00000
                soundcore 16384 1 snd, Live 0xffffffffc09f0000
                """, Files.readString(root.resolve("proc/modules")));
        assertEquals(new Run("""
                Module                  Size  Used by
                snd_seq_device         16384  1
                snd                   135168  1 snd_seq_device
                soundcore              16384  1 snd
                """, "", 0), cli("lsmod", "--root", dir));
        assertFalse(Files.exists(root.resolve("sys/module/snd_pcm")));
        assertEquals(before, Files.readString(EXAMPLE.resolve("proc/modules")), "the example itself is untouched");
    }

    // ---- scripts/make-fixture.sh ------------------------------------------------------------------------------------

    /** Skips, with the reason, where bash is missing: never a vacuous pass. */
    private static void assumeBash() {
        boolean found = false;
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            found |= !d.isEmpty() && Files.isExecutable(Path.of(d, "bash"));
        }
        Assumptions.assumeTrue(found, "bash is not installed: scripts/make-fixture.sh cannot run");
    }

    private static Run makeFixture(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", REPOSITORY.resolve("scripts/make-fixture.sh").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        String err = new String(p.getErrorStream().readAllBytes());
        return new Run(out, err, p.waitFor());
    }

    /** Every file and symbolic link under a root (not directories: git keeps no empty one), with its content. */
    private static Map<String, String> tree(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String rel = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    files.put(rel, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isRegularFile(p)) {
                    // the .ko files are copied as empty placeholders: modprobe -r only checks that they exist
                    files.put(rel, rel.endsWith(".ko") ? "<module>" : Files.readString(p,
                            java.nio.charset.StandardCharsets.ISO_8859_1));
                }
            }
        }
        return files;
    }

    @Test
    void makeFixtureCopiesAFixtureAsItCopiesAMachine() throws Exception {
        assumeBash();
        Path out = tmp.resolve("made");
        Run r = makeFixture("--from", EXAMPLE.toString(), "-o", out.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("6 loaded modules of kernel 6.1.0-kmod4j-example"), r.err());
        assertEquals(tree(EXAMPLE), tree(out));
        try (Stream<Path> ko = Files.walk(out.resolve("lib/modules"))) {
            assertTrue(ko.filter(p -> p.toString().endsWith(".ko")).allMatch(p -> p.toFile().length() == 0));
        }
        for (Path m : List.of(out.resolve("sys/module/snd_hda_intel/holders"),
                out.resolve("sys/module/snd_seq_device/holders"))) {
            assertTrue(Files.isDirectory(m), "sysfs has holders/ for every module: " + m);
        }
        // the tools see the same machine in both
        assertEquals(cli("lsmod", "--root", EXAMPLE.toString()).out().replace(sndHolders(EXAMPLE), "H"),
                cli("lsmod", "--root", out.toString()).out().replace(sndHolders(out), "H"));
        assertEquals(new Run("rmmod snd_hda_intel\nrmmod snd_pcm\nrmmod snd_timer\n", "", 0),
                cli("modprobe", "-r", "-v", "--root", out.toString(), "sound-card"));

        // a non-empty DIR is refused, and left as it was
        Map<String, String> before = tree(out);
        Run again = makeFixture("--from", EXAMPLE.toString(), "-o", out.toString());
        assertEquals(1, again.status());
        assertTrue(again.err().contains("is not empty; refusing to overwrite it"), again.err());
        assertEquals(before, tree(out));
    }

    @Test
    void makeFixtureSaysSoWhenTheKernelHasNoModules() throws Exception {
        assumeBash();
        Path noModules = Files.createDirectories(tmp.resolve("no-modules/proc/sys/kernel")).getParent().getParent()
                .getParent();
        Files.writeString(noModules.resolve("proc/sys/kernel/osrelease"), "6.18.0-nomodules\n");
        Path out = tmp.resolve("never");
        Run r = makeFixture("--from", noModules.toString(), "-o", out.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("proc/modules does not exist: this kernel has no loadable module support"),
                r.err());
        assertFalse(Files.exists(out), "nothing written");
    }
}
