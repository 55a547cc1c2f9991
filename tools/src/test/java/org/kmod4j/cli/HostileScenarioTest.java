package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken scenario files through {@code kmod4j sim run} and {@code lsmod --sim}: each test is named after the rule it
 * checks (docs/scenario-format.md, "Input"). A refused file gets {@code kmod4j: FILE:LINE: what is wrong}, with
 * invisible characters shown escaped, and status 2 (1 when it cannot be read at all).
 */
class HostileScenarioTest {
    @TempDir
    Path dir;

    private static Kmod4jRun kmod4j(String... args) {
        return Kmod4jRun.of(args);
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path write(String name, String text) throws IOException {
        return write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    private static final String OK = "RESULT 2 load m -> OK\nDONE\n";

    @Test
    void byteOrderMarkAtTheStartIsAccepted() throws IOException {
        Kmod4jRun o = kmod4j("sim", "run", write("bom.scn", "\uFEFFmodule m\nload m\n").toString());
        assertEquals(new Kmod4jRun(0, OK, ""), o);
    }

    @Test
    void crLfLineEndsAreAccepted() throws IOException {
        Kmod4jRun o = kmod4j("sim", "run", write("crlf.scn", "module m\r\nload m\r\n").toString());
        assertEquals(new Kmod4jRun(0, OK, ""), o);
    }

    @Test
    void carriageReturnInsideALineIsNamedWithLineAndColumn() throws IOException {
        Path f = write("cr.scn", "module m\nload\rm\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":2: a carriage return (CR) inside the line (only CR LF "
                + "line ends are accepted) at column 5\n"), kmod4j("sim", "run", f.toString()));
    }

    @Test
    void byteOrderMarkElsewhereIsShownEscapedInTheMessage() throws IOException {
        Path f = write("bom2.scn", "module m\n\uFEFFload m\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":2: unknown command '\\u{FEFF}load'\n"),
                kmod4j("sim", "run", f.toString()));
    }

    @Test
    void nonUtf8ByteIsNamedWithLineAndColumnNotInputLength() throws IOException {
        Path f = write("latin1.scn", new byte[] {'m', 'o', 'd', 'u', 'l', 'e', ' ', 'm', '\n', '#', ' ', 'c', 'a',
                                                 'f', (byte) 0xe9, '\n'});
        Kmod4jRun o = kmod4j("sim", "run", f.toString());
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":2: byte 0xe9 (byte 6 of the line) is not UTF-8; "
                + "scenarios are UTF-8 text\n"), o);
        Kmod4jRun sim = kmod4j("lsmod", "--sim", f.toString());
        assertEquals(new Kmod4jRun(1, "", "Error: --sim " + f + ":2: byte 0xe9 (byte 6 of the line) is not UTF-8; "
                + "scenarios are UTF-8 text\n"), sim);
    }

    @Test
    void nulByteIsNamedWithLineAndColumn() throws IOException {
        Path f = write("nul.scn", "module m\nload m\u0000\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":2: a NUL byte (is this a binary file?) at column 7\n"),
                kmod4j("sim", "run", f.toString()));
    }

    @Test
    void durationBeyondTheBoundIsRefusedNotOverflowed() throws IOException {
        Path f = write("sleep.scn", "sleep 9223372036854775807\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":1: duration 9223372036854775807 ms is more than the "
                + "1000000000000 ms (about 31 years) a scenario may give (usage: sleep MS)\n"),
                kmod4j("sim", "run", f.toString()));
        Path g = write("init.scn", "module m init=99999999999999999999999\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + g + ":1: duration 99999999999999999999999 ms is more than the "
                + "1000000000000 ms (about 31 years) a scenario may give\n"), kmod4j("sim", "run", g.toString()));
        Path h = write("max.scn", "module m init=1000000000000\nload m\nsleep 1000000000000\nsleep 1000000000000\n");
        assertEquals(0, kmod4j("sim", "run", h.toString()).status());
    }

    @Test
    void durationGivenAsALoadParameterIsBoundedToo() throws IOException {
        Path f = write("param.scn", "module m init=param:T\nload m T=9223372036854775807\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":2: T=9223372036854775807: a duration of more than the "
                + "1000000000000 ms (about 31 years) a scenario may give\n"), kmod4j("sim", "run", f.toString()));
        Path g = write("param-ok.scn", "module m init=param:T\nload m T=1000 U=99999999999999999999\n");
        assertEquals(0, kmod4j("sim", "run", g.toString()).status());
    }

    @Test
    void hugeNumbersAreNamedAsTooLargeNotAsAParseFailure() throws IOException {
        Path f = write("size.scn", "module m size=99999999999999999999\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ":1: number 99999999999999999999 is too large (at most "
                + Long.MAX_VALUE + ")\n"), kmod4j("sim", "run", f.toString()));
        Path g = write("kernel.scn", "kernel 99999999999.1\n");
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + g + ":1: kernel '99999999999.1': a version number is too large "
                + "(expected e.g. 6.1.192)\n"), kmod4j("sim", "run", g.toString()));
        Path h = write("slot.scn", "open 99999999999999 /dev/x\n");
        Kmod4jRun o = kmod4j("sim", "run", h.toString());
        assertEquals(2, o.status());
        assertTrue(o.err().startsWith("kmod4j: " + h + ":1: bad slot '99999999999999'"), o.err());
    }

    @Test
    void scenarioLargerThanTheBoundIsRefusedByName() throws IOException {
        Path f = dir.resolve("huge.scn");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {'\n'}), org.kmod4j.scenario.ScenarioParser.MAX_FILE_SIZE); // sparse
        }
        assertEquals(new Kmod4jRun(2, "", "kmod4j: " + f + ": larger than 16 MiB, not read (a scenario is a small "
                + "text file)\n"), kmod4j("sim", "run", f.toString()));
    }

    @Test
    void compareNamesAnOutputFileThatIsNotUtf8InsteadOfInputLength() throws IOException {
        Path scenarios = java.nio.file.Files.createDirectories(dir.resolve("scn"));
        Path outputs = java.nio.file.Files.createDirectories(dir.resolve("out"));
        write("scn/a.scn", "module m\nload m\n");
        write("out/a.out", new byte[] {'R', 'E', 'S', (byte) 0xff, '\n'});
        Kmod4jRun o = kmod4j("sim", "compare", scenarios.toString(), outputs.toString());
        assertEquals(1, o.status());
        assertTrue(o.out().contains("\na                                        cannot run: a.out is not UTF-8 text\n"),
                o.out());
        assertEquals("", o.err());
    }

    @Test
    void badOrEmptyScenarioPathIsNamedWithoutJavasExceptionName() {
        Kmod4jRun nul = kmod4j("sim", "run", "a\u0000b");
        assertEquals(2, nul.status());
        assertTrue(nul.err().startsWith("Invalid value for positional parameter at index 0 (FILE): 'a\\x00b' is not "
                + "a valid path (Nul character not allowed)\n"), nul.err());
        Kmod4jRun empty = kmod4j("sim", "run", "");
        assertEquals(2, empty.status());
        assertTrue(empty.err().startsWith("Invalid value for positional parameter at index 0 (FILE): an empty path "
                + "names no file\n"), empty.err());
    }

    @Test
    void controlCharactersInAFileNameAreShownEscaped() {
        assertEquals(new Kmod4jRun(1, "", "kmod4j: a\\x01b\\x1b[31m: no such file\n"),
                kmod4j("sim", "run", "a\u0001b\u001b[31m"));
        assertEquals(new Kmod4jRun(1, "", "Error: --sim a\\x01b: No such file or directory\n"),
                kmod4j("lsmod", "--sim", "a\u0001b"));
    }

    @Test
    void directoryGivenAsScenarioIsNamedNotAStackTrace() {
        Kmod4jRun o = kmod4j("sim", "run", dir.toString());
        assertEquals(new Kmod4jRun(1, "", "kmod4j: cannot read " + dir + ": Is a directory\n"), o);
    }
}
