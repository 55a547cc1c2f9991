package org.kmod4j.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One change of a fixture tree, applied all or nothing: files replaced by new content and entries removed.
 *
 * <p>How: every new content is first written to a temporary file in the target's own directory (so a full disk or a
 * read-only directory fails before anything visible changed); then each removed entry is renamed into a trash
 * directory under the root and each temporary file is renamed over its target. {@code rename(2)} is atomic, so a
 * reader never sees a half-written file, and every step done so far is recorded so that a failure undoes it
 * (removed entries renamed back, replaced files given their old bytes again). After the last step the trash is
 * deleted, never following a symbolic link. Paths must come from {@link FixtureTree#forWriting}, which keeps them
 * inside the root.
 */
final class FixtureEdit {
    /** Tests make a step fail with this (called before each commit step with its index); null otherwise. */
    static volatile java.util.function.IntConsumer commitHook;

    private record Replacement(Path target, byte[] before, byte[] after) {
    }

    private final FixtureTree tree;
    private final List<Replacement> replacements = new ArrayList<>();
    private final List<Path> removals = new ArrayList<>();

    FixtureEdit(FixtureTree tree) {
        this.tree = tree;
    }

    /** Replaces an existing file whose current content is {@code before} (kept to undo the change). */
    void replace(Path target, byte[] before, byte[] after) {
        replacements.add(new Replacement(target, before, after));
    }

    /** Removes an entry (a directory with everything in it, a file or a symbolic link itself). */
    void remove(Path target) {
        if (!removals.contains(target)) {
            removals.add(target);
        }
    }

    /**
     * Applies every change, or none.
     *
     * @throws FixtureException when a step fails; the steps already done have been undone
     */
    void apply() {
        String tag = Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
        List<Path> temps = new ArrayList<>();
        Path trash = null;
        List<Runnable> undo = new ArrayList<>();
        try {
            for (Replacement r : replacements) {
                Path temp = r.target().resolveSibling("." + r.target().getFileName() + ".kmod4j-new-" + tag);
                Files.write(temp, r.after(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
                temps.add(temp);
            }
            if (!removals.isEmpty()) {
                trash = Files.createDirectory(tree.root().resolve(".kmod4j-removed-" + tag));
            }
            int step = 0;
            for (int i = 0; i < removals.size(); i++) {
                hook(step++);
                Path from = removals.get(i);
                Path to = trash.resolve(Integer.toString(i));
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
                undo.add(() -> moveBack(to, from));
            }
            for (int i = 0; i < replacements.size(); i++) {
                hook(step++);
                Replacement r = replacements.get(i);
                Files.move(temps.get(i), r.target(), StandardCopyOption.ATOMIC_MOVE,
                        StandardCopyOption.REPLACE_EXISTING);
                undo.add(() -> restore(r, tag));
            }
        } catch (IOException | RuntimeException e) {
            for (int i = undo.size() - 1; i >= 0; i--) {
                undo.get(i).run();
            }
            for (Path t : temps) {
                deleteQuietly(t);
            }
            if (trash != null) {
                deleteQuietly(trash); // only when empty: if an undo failed, what it holds is the fixture's
            }
            if (e instanceof FixtureException fe) {
                throw fe;
            }
            String reason = e instanceof IOException io ? FixtureLock.describe(io) : String.valueOf(e.getMessage());
            throw new FixtureException("fixture " + tree.root() + ": the removal could not be written (" + reason
                    + "); the fixture was left as it was", e);
        }
        // Done: what was removed only has to go away now. A failure here leaves a .kmod4j-removed-* directory
        // behind but the removal itself is complete and consistent.
        if (trash != null) {
            deleteTree(trash);
        }
    }

    private static void hook(int step) {
        java.util.function.IntConsumer h = commitHook;
        if (h != null) {
            h.accept(step);
        }
    }

    private static void moveBack(Path from, Path to) {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // best effort: nothing better can be done while undoing
        }
    }

    private static void restore(Replacement r, String tag) {
        Path temp = r.target().resolveSibling("." + r.target().getFileName() + ".kmod4j-old-" + tag);
        try {
            Files.write(temp, r.before(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                    LinkOption.NOFOLLOW_LINKS);
            Files.move(temp, r.target(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(temp);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    /** Deletes a tree without following symbolic links (a link is removed itself, never what it points to). */
    static void deleteTree(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (a.isDirectory()) {
                try (DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
                    for (Path e : entries) {
                        deleteTree(e);
                    }
                }
            }
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort (only used on kmod4j's own temporary and trash entries)
        }
    }
}
