package org.kmod4j.tools;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Every entry of a directory tree, byte for byte, never following a symbolic link: path → {@code dir},
 * {@code link -> TARGET}, {@code file HEX} or {@code other}. Two equal snapshots mean nothing was created, deleted,
 * changed or replaced by a link. The fixture lock file {@code .kmod4j.lock} at the top, which an emulated removal
 * creates and leaves (docs/tools.md), can be left out.
 */
public record TreeSnapshot(Map<String, String> entries) {

    public static TreeSnapshot of(Path root) {
        return of(root, false);
    }

    /** A snapshot without the top-level {@code .kmod4j.lock}. */
    public static TreeSnapshot ofFixture(Path root) {
        return of(root, true);
    }

    /** The same without the entries at or under these relative paths. */
    public TreeSnapshot without(String... paths) {
        Map<String, String> m = new TreeMap<>(entries);
        m.keySet().removeIf(k -> java.util.Arrays.stream(paths).anyMatch(p -> k.equals(p) || k.startsWith(p + "/")));
        return new TreeSnapshot(m);
    }

    private static TreeSnapshot of(Path root, boolean withoutLock) {
        Map<String, String> entries = new TreeMap<>();
        walk(root, root, entries);
        if (withoutLock) {
            entries.remove(".kmod4j.lock");
        }
        return new TreeSnapshot(entries);
    }

    private static void walk(Path root, Path p, Map<String, String> out) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            String key = root.relativize(p).toString();
            if (a.isSymbolicLink()) {
                out.put(key, "link -> " + Files.readSymbolicLink(p));
            } else if (a.isDirectory()) {
                out.put(key, "dir");
                try (DirectoryStream<Path> d = Files.newDirectoryStream(p)) {
                    for (Path e : d) {
                        walk(root, e, out);
                    }
                }
            } else if (a.isRegularFile()) {
                byte[] b = a.size() > (1 << 20) ? ("size " + a.size()).getBytes() : Files.readAllBytes(p);
                out.put(key, "file " + HexFormat.of().formatHex(b));
            } else {
                out.put(key, "other");
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // gone while walking
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes a tree without following symbolic links (tests' clean-up next to a sentinel). */
    static void delete(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                try (DirectoryStream<Path> d = Files.newDirectoryStream(p)) {
                    for (Path e : d) {
                        delete(e);
                    }
                }
            }
            Files.deleteIfExists(p);
        } catch (java.nio.file.NoSuchFileException e) {
            // already gone
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
