package org.kmod4j.libc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@link Fnmatch} against glibc's {@code fnmatch(pattern, string, 0)}. */
class FnmatchTest {

    @Test
    void matchesLikeGlibcOnHandPickedCases() {
        assertTrue(Fnmatch.matches("snd*", "snd_pcm"));
        assertTrue(Fnmatch.matches("*", ""));
        assertTrue(Fnmatch.matches("a?c", "abc"));
        assertFalse(Fnmatch.matches("a?c", "ac"));
        assertTrue(Fnmatch.matches("pci:v00008086d*sv*", "pci:v00008086d00001234sv0000"));
        assertTrue(Fnmatch.matches("[ab]x", "bx"));
        assertFalse(Fnmatch.matches("[!ab]x", "bx"));
        assertTrue(Fnmatch.matches("[^ab]x", "cx"));
        assertTrue(Fnmatch.matches("[]a]", "]"));
        assertTrue(Fnmatch.matches("[a-c]", "b"));
        assertTrue(Fnmatch.matches("[a-]", "-"));
        assertTrue(Fnmatch.matches("[[:digit:]]*", "7up"));
        assertFalse(Fnmatch.matches("[[:nosuch:]]", "a"));
        assertTrue(Fnmatch.matches("\\*", "*"));
        assertFalse(Fnmatch.matches("ab\\", "ab\\"));
        assertTrue(Fnmatch.matches("a[", "a["), "an unterminated bracket is an ordinary character");
        assertFalse(Fnmatch.matches("[a", "a"), "unless a member matched first");
        assertTrue(Fnmatch.matches("*.ko", "x/.y.ko"), "no FNM_PATHNAME, no FNM_PERIOD");
    }

    /** Random patterns and strings over a small alphabet, answered by glibc through a tiny C program. */
    @Test
    void agreesWithGlibcOnRandomPatterns() throws IOException, InterruptedException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/gcc")), "gcc is not installed");
        Path dir = Files.createDirectories(Path.of("target", "fnmatch-oracle").toAbsolutePath());
        Path src = dir.resolve("fnmatch.c");
        Files.writeString(src, """
                #include <fnmatch.h>
                #include <stdio.h>
                #include <string.h>
                int main(void) {
                    static char p[4096], s[4096];
                    while (fgets(p, sizeof p, stdin) && fgets(s, sizeof s, stdin)) {
                        p[strcspn(p, "\\n")] = 0;
                        s[strcspn(s, "\\n")] = 0;
                        printf("%d\\n", fnmatch(p, s, 0) == 0);
                    }
                    return 0;
                }
                """);
        Path exe = dir.resolve("fnmatch");
        Process cc = new ProcessBuilder("gcc", "-O1", "-o", exe.toString(), src.toString()).inheritIO().start();
        assertTrue(cc.waitFor(60, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc failed");

        Random random = new Random(20240611);
        String patternChars = "ab-_*?[]!^\\:";
        String stringChars = "ab-_[]!^\\:*?";
        List<String[]> cases = new ArrayList<>();
        for (String fixed : new String[] {"[[:alpha:]]", "[[:alpha:]", "[a-]]", "[!]]", "[\\]]", "[a\\-z]", "[z-a]",
                                          "[[:a]", "[[.a.]]", "[[.-.]a]", "[[=a=]b]", "[[.a.]-c]", "[[.ab.]]",
                                          "[[.a]", "[!a-b]", "*[", "[*", "\\"}) {
            for (String s : new String[] {"a", "]", "-", "b", "[", "z", ".", "\\", "*"}) {
                cases.add(new String[] {fixed, s});
            }
        }
        for (int i = 0; i < 4000; i++) {
            cases.add(new String[] {random(random, patternChars, 6), random(random, stringChars, 5)});
        }
        StringBuilder input = new StringBuilder();
        for (String[] c : cases) {
            input.append(c[0]).append('\n').append(c[1]).append('\n');
        }
        Process p = new ProcessBuilder(exe.toString()).start();
        p.getOutputStream().write(input.toString().getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        List<String> answers = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(cases.size(), answers.size());
        for (int i = 0; i < cases.size(); i++) {
            String[] c = cases.get(i);
            assertEquals(answers.get(i).equals("1"), Fnmatch.matches(c[0], c[1]),
                    "fnmatch(\"" + c[0] + "\", \"" + c[1] + "\")");
        }
    }

    private static String random(Random r, String alphabet, int maxLength) {
        int n = r.nextInt(maxLength + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < n; i++) {
            b.append(alphabet.charAt(r.nextInt(alphabet.length())));
        }
        return b.toString();
    }
}
