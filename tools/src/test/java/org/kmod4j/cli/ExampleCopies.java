package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Copies of the example fixture made by scripts/make-fixture.sh (so that empty holders/ directories exist). */
final class ExampleCopies {
    /** The repository's top: surefire sets kmod4j.repository (the tests run in tools/); else the working directory. */
    static final Path REPOSITORY = Path.of(System.getProperty("kmod4j.repository", ".")).toAbsolutePath().normalize();

    private ExampleCopies() {
    }

    static Path copy(Path tmp, String name) throws IOException, InterruptedException {
        Path dest = tmp.resolve(name);
        Process p = new ProcessBuilder("bash", "scripts/make-fixture.sh", "--from", "examples/fixture", "-o",
                dest.toString()).directory(REPOSITORY.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return dest;
    }

    /** A copy of a copy ({@code cp -a}: empty directories and links kept). */
    static Path duplicate(Path from, Path to) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("cp", "-a", from.toString(), to.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        return to;
    }

    /** Every file's content and every directory under {@code root}, to show a tree is unchanged. */
    static Map<String, String> contents(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.toList()) {
                String key = root.relativize(p).toString();
                if (Files.isSymbolicLink(p)) {
                    out.put(key, "-> " + Files.readSymbolicLink(p));
                } else if (Files.isDirectory(p)) {
                    out.put(key + "/", "");
                } else {
                    out.put(key, new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
                }
            }
        }
        return out;
    }

    /** Replaces text in one file of a copy. */
    static void edit(Path root, String file, String from, String to) throws IOException {
        Path p = root.resolve(file);
        String s = Files.readString(p);
        if (!s.contains(from)) {
            throw new AssertionError(file + " has no " + from);
        }
        Files.writeString(p, s.replace(from, to));
    }
}
