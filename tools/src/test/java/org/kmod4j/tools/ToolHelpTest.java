package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.kmod4j.cli.Main;
import org.kmod4j.libc.Getopt;

/**
 * {@code rmmod --help} and {@code modprobe --help}: kmod 30's text byte for byte (saved from Debian 12's kmod in
 * {@code kmod30-*-help.txt}; the side-by-side tests compare with a live kmod when there is one), then a block naming
 * every option of kmod4j's own that the tool's getopt table accepts, so that a new option without help fails here.
 */
class ToolHelpTest {

    private static String kmodHelp(String tool) throws IOException {
        try (InputStream in = ToolHelpTest.class.getResourceAsStream("kmod30-" + tool + "-help.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The tool's getopt table, as the code has it (a private constant: read, not copied). */
    @SuppressWarnings("unchecked")
    private static List<Getopt.LongOption> longOptions(Class<?> tool) throws ReflectiveOperationException {
        Field f = tool.getDeclaredField("LONG_OPTIONS");
        f.setAccessible(true);
        return (List<Getopt.LongOption>) f.get(null);
    }

    /** kmod4j's own options in a table: those never abbreviated (kmod's all may be). */
    private static List<String> kmod4jOptions(Class<?> tool) throws ReflectiveOperationException {
        List<String> names = new ArrayList<>();
        for (Getopt.LongOption o : longOptions(tool)) {
            if (o.exactOnly()) {
                names.add(o.name());
            }
        }
        return names;
    }

    private static String[] cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    private static void check(String tool, Class<?> cls, List<String> atLeast) throws Exception {
        List<String> options = kmod4jOptions(cls);
        assertTrue(options.containsAll(atLeast), "the table has kmod4j's options: " + options);
        for (String h : new String[] {"-h", "--help", "--he"}) {
            String[] r = cli(tool, h);
            assertEquals("0", r[0], tool + " " + h);
            assertEquals("", r[2], tool + " " + h);
            String kmod = kmodHelp(tool);
            assertTrue(r[1].startsWith(kmod), tool + " " + h + " begins with kmod 30's help, byte for byte:\n" + r[1]);
            String block = r[1].substring(kmod.length());
            assertTrue(block.startsWith("\nkmod4j Options ("), "a blank line, then a heading of its own:\n" + block);
            assertTrue(block.contains("docs/tools.md") && block.contains("kmod4j-" + tool + "(8)"),
                    "says where the options are described:\n" + block);
            for (String name : options) {
                // "\t    --root DIR   Description": named once, with a description after it
                Pattern line = Pattern.compile("(?m)^\t    --" + Pattern.quote(name) + "( [A-Z]+)? +\\S.*$");
                assertTrue(line.matcher(block).find(), "--" + name + " is named with a description:\n" + block);
            }
            assertFalse(block.contains("\n\n"), "one block:\n" + block);
            assertTrue(block.endsWith("\n"));
            for (String l : block.split("\n")) {
                assertTrue(l.replace("\t", "        ").length() <= 80, "fits a terminal: " + l);
            }
        }
    }

    @Test
    void rmmodHelpIsKmodsThenKmod4jsOptions() throws Exception {
        check("rmmod", Rmmod.class, List.of("root", "sim", "syscall", "json"));
    }

    @Test
    void modprobeHelpIsKmodsThenKmod4jsOptions() throws Exception {
        check("modprobe", Modprobe.class, List.of("root", "sim", "syscall", "json", "run-commands"));
    }

    @Test
    void lsmodHasNoHelpAsKmodsHasNone() {
        // kmod 30's lsmod takes no argument: --help is a usage error, and stays one (the side-by-side test compares)
        assertEquals(List.of("1", "", "Usage: lsmod\n"), List.of(cli("lsmod", "--help")));
    }
}
