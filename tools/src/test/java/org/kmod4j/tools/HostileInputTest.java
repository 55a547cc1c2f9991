package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.cli.Main;
import org.kmod4j.kmod.ModprobeConfig;
import org.kmod4j.libc.Fnmatch;

/**
 * Broken and hostile input through the tools' real entry point ({@link Main#run}): each test is named after the rule
 * it checks. A refused input gets one line naming the file (and offset or line) and what is wrong, status 1 or 2, no
 * Java class name or stack trace, and the fixture is left as it was.
 */
class HostileInputTest {
    @TempDir
    Path tmp;

    record Run(String out, String err, int status) {
    }

    static Run cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Run(out.toString(), err.toString(), status);
    }

    /** Output that shows a Java exception class name or a stack frame: never acceptable. */
    static boolean looksLikeJava(String text) {
        return text.matches("(?s).*(\\b[a-z]+(\\.[a-z]+)+\\.[A-Z]\\w*(Exception|Error)\\b"
                + "|[A-Za-z](Exception|Error)\\b|\\n\\s+at [\\w.$]+\\(|StackOverflow|OutOfMemory).*");
    }

    private Fixture fixtureWithAModule() {
        Fixture fx = new Fixture(tmp.resolve("root"));
        fx.loaded("kmod4j_a", 16384, 0);
        return fx;
    }

    private Path moduleDir(Fixture fx) throws IOException {
        return Files.createDirectories(fx.root.resolve("lib/modules").resolve(Fixture.release()));
    }

    private static byte[] cyclicAliasIndex() {
        IndexBytes w = new IndexBytes().add("kmod4j:a*", "kmod4j_a").add("kmod4j:b", "kmod4j_b");
        byte[] data = w.build();
        int at = w.childWords.stream().filter(a -> IndexBytes.get(data, a) != 0).findFirst().orElseThrow();
        IndexBytes.put(data, at, IndexBytes.get(data, 8)); // a child pointing back at the root
        return data;
    }

    @Test
    void looksLikeJavaRecognisesWhatMustNeverBePrinted() {
        assertTrue(looksLikeJava("rmmod: ERROR: java.lang.IllegalStateException: x"));
        assertTrue(looksLikeJava("Exception in thread \"main\" java.lang.StackOverflowError\n\tat a.B.c(B.java:1)"));
        assertTrue(looksLikeJava("kmod4j: internal error: NumberFormatException: For input string"));
        assertFalse(looksLikeJava("modprobe: ERROR: /lib/modules/x/modules.alias.bin: corrupt index at offset 9"));
        assertFalse(looksLikeJava("rmmod: ERROR: Module kmod4j_a is in use by: kmod4j_b\n"));
    }

    @Test
    void cyclicAliasIndexIsReportedWithFileAndOffsetNotAStackOverflow() throws IOException {
        Fixture fx = fixtureWithAModule();
        Files.write(moduleDir(fx).resolve("modules.alias.bin"), cyclicAliasIndex());
        TreeSnapshot before = TreeSnapshot.ofFixture(fx.root);
        Run r = cli("modprobe", "--root", fx.root.toString(), "-r", "kmod4j:bx");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().matches("modprobe: ERROR: /lib/modules/" + java.util.regex.Pattern.quote(Fixture.release())
                + "/modules\\.alias\\.bin: corrupt index at offset \\d+ \\(0x[0-9a-f]+\\): the child 'a' points back "
                + "at its ancestor node at offset \\d+ \\(a cycle\\)\n"), r.err());
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
    }

    @Test
    void corruptIndexStopsModprobeBeforeItRemovesAnything() throws IOException {
        Fixture fx = fixtureWithAModule();
        Files.write(moduleDir(fx).resolve("modules.symbols.bin"), cyclicAliasIndex());
        TreeSnapshot before = TreeSnapshot.ofFixture(fx.root);
        // kmod4j_a alone would be removed; the corrupt index is found first
        Run r = cli("modprobe", "--root", fx.root.toString(), "-r", "kmod4j_a");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("modules.symbols.bin: corrupt index at offset"), r.err());
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
        // --json still gets its document, with the status
        Run json = cli("modprobe", "--root", fx.root.toString(), "--json", "-r", "kmod4j_a");
        assertEquals(1, json.status());
        assertTrue(json.out().startsWith("{\"tool\":\"modprobe\",\"schema\":1,\"exit_status\":1,"), json.out());
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
    }

    @Test
    void corruptBuiltinIndexStopsRmmodBeforeItRemovesAnything() throws IOException {
        Fixture fx = fixtureWithAModule();
        byte[] data = new IndexBytes().add("kmod4j_builtin", "").build();
        Files.write(moduleDir(fx).resolve("modules.builtin.bin"), java.util.Arrays.copyOf(data, data.length - 3));
        TreeSnapshot before = TreeSnapshot.ofFixture(fx.root);
        Run r = cli("rmmod", "--root", fx.root.toString(), "kmod4j_a");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("rmmod: ERROR: /lib/modules/" + Fixture.release()
                + "/modules.builtin.bin: corrupt index at offset "), r.err());
        assertFalse(looksLikeJava(r.err()), r.err());
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
    }

    @Test
    void emptyRootIsRefusedInsteadOfMeaningTheWorkingDirectory() {
        for (String tool : List.of("rmmod", "modprobe", "lsmod")) {
            List<String> args = new java.util.ArrayList<>(List.of(tool, "--root="));
            if (!tool.equals("lsmod")) {
                args.addAll(tool.equals("modprobe") ? List.of("-r", "kmod4j_a") : List.of("kmod4j_a"));
            }
            Run r = cli(args.toArray(new String[0]));
            assertEquals(1, r.status(), tool);
            String prefix = tool.equals("lsmod") ? "Error: " : tool + ": ERROR: ";
            assertEquals(prefix + "--root needs a non-empty path (--root= names no directory).\n", r.err(), tool);
            assertEquals("", r.out());
        }
        Run empty = cli("rmmod", "--root", "", "kmod4j_a"); // the separate-argument form too
        assertEquals(new Run("", "rmmod: ERROR: --root needs a non-empty path (--root= names no directory).\n", 1),
                empty);
    }

    @Test
    void emptySimIsRefused() {
        assertEquals(new Run("", "rmmod: ERROR: --sim needs a non-empty path (--sim= names no directory).\n", 1),
                cli("rmmod", "--sim=", "kmod4j_a"));
    }

    @Test
    void rootWithANulByteIsRefusedByOption() {
        Run r = cli("rmmod", "--root", "/tmp/a\u0000b", "kmod4j_a");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("rmmod: ERROR: --root /tmp/a\\x00b: not a valid path"), r.err());
    }

    @Test
    void oversizedModprobeConfIsRefusedByNameAndNothingIsRemoved() throws IOException {
        Fixture fx = fixtureWithAModule();
        Path conf = Files.createDirectories(fx.root.resolve("etc/modprobe.d")).resolve("big.conf");
        try (FileChannel ch = FileChannel.open(conf, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'#'}), ModprobeConfig.MAX_FILE_SIZE); // sparse
        }
        TreeSnapshot before = TreeSnapshot.ofFixture(fx.root);
        Run r = cli("modprobe", "--root", fx.root.toString(), "-r", "kmod4j_a");
        assertEquals(new Run("", "modprobe: ERROR: /etc/modprobe.d/big.conf: larger than 16 MiB, not read "
                + "(a configuration file is a few KiB)\n", 1), r);
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
    }

    @Test
    void nonUtf8BytesInModprobeConfAreReadAsBytesAndBadLinesNamedByLine() throws IOException {
        Fixture fx = fixtureWithAModule();
        Path conf = Files.createDirectories(fx.root.resolve("etc/modprobe.d")).resolve("latin1.conf");
        Files.write(conf, new byte[] {'#', ' ', (byte) 0xe9, '\n', 'a', 'l', 'i', 'a', 's', ' ', (byte) 0xe9, '\n',
                                      'b', 'l', 'a', 'c', 'k', 'l', 'i', 's', 't', ' ', (byte) 0xff, (byte) 0xfe, '\n'});
        Run r = cli("modprobe", "--root", fx.root.toString(), "-r", "kmod4j_a");
        // the bad line is named by file and line; the rest of the run is what it is without the file
        Files.delete(conf);
        Run without = cli("modprobe", "--root", fx.root.toString(), "-r", "kmod4j_a");
        assertEquals(new Run(without.out(), "libkmod: kmod_config_parse: /etc/modprobe.d/latin1.conf line 2: "
                + "ignoring bad line starting with 'alias'\n" + without.err(), without.status()), r);
    }

    /** A pattern like *a*a*a...*b against a long name took exponential time (over a minute for 25 stars). */
    @Test
    void aliasPatternWithManyStarsIsMatchedInBoundedTime() throws IOException {
        Fixture fx = fixtureWithAModule();
        Path conf = Files.createDirectories(fx.root.resolve("etc/modprobe.d")).resolve("stars.conf");
        Files.writeString(conf, "alias " + "*a".repeat(60) + "*b kmod4j_a\n");
        String name = "a".repeat(200);
        Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> cli("modprobe", "--root", fx.root.toString(), "-r", name));
        assertEquals(new Run("", "modprobe: FATAL: Module " + name + " not found.\n", 1), r);
        assertTrue(Fnmatch.matches("*a".repeat(60) + "*b", "a".repeat(200) + "b"));
        assertFalse(Fnmatch.matches("*a".repeat(60) + "*b", "a".repeat(200)));
    }

    @Test
    void aliasPatternBeyondTheBoundsIsRefusedWithAMessageNotAHangOrAStackOverflow() throws IOException {
        Fixture fx = fixtureWithAModule();
        Path conf = Files.createDirectories(fx.root.resolve("etc/modprobe.d")).resolve("stars.conf");
        Files.writeString(conf, "alias " + "*a".repeat(100_000) + "*b kmod4j_x\n");
        TreeSnapshot before = TreeSnapshot.ofFixture(fx.root);
        Run r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(20),
                () -> cli("modprobe", "--root", fx.root.toString(), "-r", "a".repeat(4000)));
        assertEquals(new Run("", "modprobe: ERROR: the wildcard pattern '" + "*a".repeat(20) + "...' (200002 bytes) "
                + "is too complex to match against a name of 4000 bytes (more than 2000 nested '*'); kmod4j stops "
                + "instead of running for minutes\n", 1), r);
        assertEquals(before, TreeSnapshot.ofFixture(fx.root));
    }

    @Test
    void lastResortHandlerPrintsOneLineWithoutAJavaClassName() {
        for (Throwable t : List.of(new StackOverflowError(), new OutOfMemoryError("Java heap space"),
                                   new IllegalStateException("boom"), new NullPointerException())) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            ToolIo io = ToolIo.of(new PrintWriter(out), new PrintWriter(err)).withTargets(o -> {
                if (t instanceof Error e) {
                    throw e;
                }
                throw (RuntimeException) t;
            });
            assertEquals(1, Rmmod.run("rmmod", List.of("kmod4j_a"), io), t.toString());
            assertEquals(1, Modprobe.run("modprobe", List.of("-r", "kmod4j_a"), io), t.toString());
            assertEquals(1, Lsmod.run("lsmod", List.of(), io), t.toString());
            for (String line : err.toString().lines().toList()) {
                assertTrue(line.matches("(rmmod: ERROR|modprobe: ERROR|Error): kmod4j internal error: .*"), line);
                assertFalse(looksLikeJava(line), line);
            }
            assertEquals(3, err.toString().lines().count(), err.toString());
        }
    }
}
