package org.kmod4j.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kmod4j.libc.Getopt.HasArg;
import org.kmod4j.libc.Getopt.LongOption;

class GetoptTest {
    private static final List<LongOption> LONG = List.of(
            new LongOption("force", HasArg.NO, 'f', false),
            new LongOption("syslog", HasArg.NO, 's', false),
            new LongOption("verbose", HasArg.NO, 'v', false),
            new LongOption("version", HasArg.NO, 'V', false),
            new LongOption("root", HasArg.REQUIRED, 1000, true));

    private final StringWriter err = new StringWriter();

    private List<String> parse(boolean permute, String... args) {
        Getopt g = new Getopt("rmmod", List.of(args), "fsvVr:", LONG, new PrintWriter(err, true), permute);
        List<String> seen = new ArrayList<>();
        Getopt.Opt o;
        while ((o = g.next()) != null) {
            seen.add(o.val() == '?' ? "?" : o.val() == 1000 ? "root=" + o.arg()
                    : (char) o.val() + (o.arg() == null ? "" : "=" + o.arg()));
        }
        seen.add("|");
        seen.addAll(g.operands());
        return seen;
    }

    @Test
    void permutesLikeGlibc() {
        assertEquals(List.of("f", "v", "v", "|", "a", "b", "-", "-c"), parse(true, "a", "-fv", "b", "-", "--verb",
                "--", "-c"));
        assertEquals(List.of("f", "|", "a", "-v"), parse(false, "-f", "a", "-v"));
    }

    @Test
    void arguments() {
        assertEquals(List.of("r=x", "r=y", "root=z", "root=w", "|"), parse(true, "-rx", "-r", "y", "--root", "z",
                "--root=w"));
        assertEquals(List.of("?", "|"), parse(true, "-r"));
        assertEquals("rmmod: option requires an argument -- 'r'\n", err.toString());
    }

    @Test
    void errorsAreGlibcs() {
        parse(true, "--bogus=1", "--v", "--force=no", "-x", "--ro", "--root");
        assertEquals("""
                rmmod: unrecognized option '--bogus=1'
                rmmod: option '--v' is ambiguous; possibilities: '--verbose' '--version'
                rmmod: option '--force' doesn't allow an argument
                rmmod: invalid option -- 'x'
                rmmod: unrecognized option '--ro'
                rmmod: option '--root' requires an argument
                """, err.toString());
    }

    @Test
    void abbreviationsSkipExactOnlyOptions() {
        assertEquals(List.of("s", "f", "|"), parse(true, "--s", "--f"));
    }
}
