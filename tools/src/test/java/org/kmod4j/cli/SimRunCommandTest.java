package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kmod4j sim run} and {@code sim compare}: output, messages and exit status, never a stack trace. */
class SimRunCommandTest {
    @TempDir
    Path dir;

    private static Kmod4jRun kmod4j(String... args) {
        return Kmod4jRun.of(args);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }

    @Test
    void runPrintsTheRecordsAndExitsZero() throws IOException {
        Kmod4jRun o = kmod4j("sim", "run", write("a.scn", "module m\nload m\n").toString());
        assertEquals(0, o.status());
        assertEquals("RESULT 2 load m -> OK\nDONE\n", o.out());
        assertEquals("", o.err());
    }

    /** The plain forms skip picocli for start-up; {@code --} sends the same run through picocli: same answer. */
    @Test
    void plainSimRunAnswersExactlyAsThePicocliPathDoes() throws IOException {
        String good = write("g.scn", "module m init=5 exit\nload m\nsleep 10\ncat /proc/modules\n").toString();
        String bad = write("b.scn", "module m\nfrobnicate\n").toString();
        String missing = dir.resolve("nope.scn").toString();
        for (String file : new String[] {good, bad, missing}) {
            assertEquals(kmod4j("sim", "run", "--", file), kmod4j("sim", "run", file), file);
            assertEquals(kmod4j("sim", "run", "--dmesg", "--", file), kmod4j("sim", "run", file, "--dmesg"), file);
        }
    }

    @Test
    void malformedLineNamesFileAndLineAndExitsTwo() throws IOException {
        Path f = write("bad.scn", "module m\n\nfrobnicate\n");
        Kmod4jRun o = kmod4j("sim", "run", f.toString());
        assertEquals(2, o.status());
        assertEquals("kmod4j: " + f + ":3: unknown command 'frobnicate'\n", o.err());
        assertEquals("", o.out());
    }

    @Test
    void missingFileGivesAClearMessageAndExitsOne() {
        Kmod4jRun o = kmod4j("sim", "run", dir.resolve("nope.scn").toString());
        assertEquals(1, o.status());
        assertTrue(o.err().endsWith("nope.scn: no such file\n"), o.err());
    }

    @Test
    void unknownOptionGivesUsageAndExitsTwo() {
        Kmod4jRun o = kmod4j("sim", "run", "--bogus", "x");
        assertEquals(2, o.status());
        assertTrue(o.err().contains("Unknown option: '--bogus'"), o.err());
    }

    @Test
    void helpDescribesTheCommand() {
        Kmod4jRun o = kmod4j("sim", "run", "--help");
        assertEquals(0, o.status());
        assertTrue(o.out().contains("Run a scenario"));
        assertTrue(o.out().contains("Exit status:"));
    }

    @Test
    void dmesgPrintsTheKernelLogAfterTheRecords() throws IOException {
        Kmod4jRun o = kmod4j("sim", "run", "--dmesg", write("t.scn", "module m taint=O\nload m\n").toString());
        assertTrue(o.out().endsWith("DONE\n[    0.000000] m: loading out-of-tree module taints kernel.\n"), o.out());
    }

    @Test
    void compareCountsMatchedRecordsAndFailsOnADifference() throws IOException {
        Path scenarios = Files.createDirectories(dir.resolve("scn"));
        Path outputs = Files.createDirectories(dir.resolve("out"));
        Files.writeString(scenarios.resolve("same.scn"), "module m\nload m\n");
        Files.writeString(outputs.resolve("same.out"), "boot noise\nRESULT 2 load m -> OK\nDONE\n");
        Kmod4jRun ok = kmod4j("sim", "compare", scenarios.toString(), outputs.toString());
        assertEquals(0, ok.status(), ok.out() + ok.err());
        assertTrue(ok.out().contains("records: 2/2 matched"));
        assertTrue(ok.out().contains("conformance: 1 passed, 0 failed"));

        Files.writeString(scenarios.resolve("differs.scn"), "module m\nload m\n");
        Files.writeString(outputs.resolve("differs.out"), "RESULT 2 load m -> EEXIST\nDONE\n");
        Kmod4jRun bad = kmod4j("sim", "compare", "-v", scenarios.toString(), outputs.toString());
        assertEquals(1, bad.status());
        assertTrue(bad.out().contains("differs") && bad.out().contains("DIFFERS"));
        assertTrue(bad.out().contains("expected: [RESULT 2 load m -> EEXIST]"));
        assertTrue(bad.out().contains("conformance: 1 passed, 1 failed"));
    }

    @Test
    void compareSimulatesTheKernelThatKernelVersionNamesWithThatSeriesSizes() throws IOException {
        Path scenarios = Files.createDirectories(dir.resolve("scn612"));
        Path outputs = Files.createDirectories(dir.resolve("out612"));
        Files.writeString(scenarios.resolve("size.scn"), "module m size=16384 size@6.12=12288\nload m\n"
                + "cat /sys/module/m/coresize\n");
        Files.writeString(outputs.resolve("size.out"),
                "RESULT 2 load m -> OK\nCAT 3 /sys/module/m/coresize <<\n12288\n<<END\nDONE\n");
        Files.writeString(outputs.resolve("KERNEL_VERSION"), "6.12.117+deb12-amd64\nLinux version "
                + "6.12.117+deb12-amd64 (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP Debian 6.12.117-1~deb12u1\n");
        Kmod4jRun ok = kmod4j("sim", "compare", scenarios.toString(), outputs.toString());
        assertEquals(0, ok.status(), ok.out() + ok.err());
        assertTrue(ok.out().startsWith("simulated kernel: 6.12.117\n"), ok.out());

        // The same run compared as 6.1 (--kernel wins over KERNEL_VERSION) has 6.1's size, which differs.
        Kmod4jRun as61 = kmod4j("sim", "compare", "--kernel", "6.1.192", scenarios.toString(), outputs.toString());
        assertEquals(1, as61.status(), as61.out());
        assertTrue(as61.out().contains("records: 2/3 matched"), as61.out());
    }
}
