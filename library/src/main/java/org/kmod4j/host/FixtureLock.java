package org.kmod4j.host;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The fixture's {@code module_mutex}: every emulated {@code delete_module} holds it around its whole
 * read-decide-apply, so that tools running at once on one fixture see each other's removals whole, as the kernel's
 * mutex serialises real calls. Without it, two removals that read {@code proc/modules} before either wrote it would
 * each write back a file that still lists the other's module.
 *
 * <p>Two levels: {@code FileChannel.lock} on {@code ROOT/.kmod4j.lock} serialises processes (an advisory
 * {@code fcntl} lock, released by the kernel when a process dies), and a lock per root inside this JVM serialises its
 * threads, because a JVM holds file locks per process and a second {@code lock()} from another thread would throw
 * {@code OverlappingFileLockException} instead of waiting. The lock file is created if missing and left in place
 * (deleting it would let a waiting process lock a file that a newcomer no longer sees); it is opened without following
 * a symbolic link, so a fixture cannot turn it into a write outside the root.
 */
final class FixtureLock {
    /** The lock file's name under the root. */
    static final String FILE_NAME = ".kmod4j.lock";

    private static final ConcurrentHashMap<Path, ReentrantLock> IN_JVM = new ConcurrentHashMap<>();

    private FixtureLock() {
    }

    /** Something done under the lock. */
    @FunctionalInterface
    interface Body<T> {
        T run() throws IOException;
    }

    /** Runs {@code body} holding the lock of {@code tree}. */
    static <T> T holding(FixtureTree tree, Body<T> body) throws IOException {
        ReentrantLock local = IN_JVM.computeIfAbsent(tree.root(), k -> new ReentrantLock());
        local.lock();
        try {
            Path file = tree.root().resolve(FILE_NAME);
            FileChannel channel;
            try {
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        LinkOption.NOFOLLOW_LINKS);
            } catch (IOException e) {
                throw new FixtureException("fixture " + tree.root() + ": cannot open the lock file " + FILE_NAME
                        + " (" + describe(e) + "; it must be a regular file, not a symbolic link); nothing was changed",
                        e);
            }
            try (channel; FileLock lock = channel.lock()) {
                return body.run();
            }
        } finally {
            local.unlock();
        }
    }

    /** An IOException as a short reason, without Java's class names. */
    static String describe(IOException e) {
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "No such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        return e.getMessage() != null ? e.getMessage() : "input/output error";
    }
}
