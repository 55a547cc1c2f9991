package org.kmod4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.tools.TreeSnapshot;

/** An emulated removal is all or nothing: a failure at any step of writing leaves the fixture exactly as it was. */
class FixtureAtomicityTest {
    @TempDir
    Path root;

    @AfterEach
    void noHook() {
        FixtureEdit.commitHook = null;
    }

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    /** core used by a and b; removing a changes proc/modules, core's refcnt and holders, a's directory, tainted. */
    private void fixture() throws IOException {
        write("proc/modules", """
                a 4096 1 - Live 0xffffffffc0000000
                b 4096 0 - Live 0xffffffffc0001000
                core 8192 2 a,b, Live 0xffffffffc0002000
                """);
        for (String m : new String[] {"a", "b", "core"}) {
            write("sys/module/" + m + "/initstate", "live\n");
            Files.createDirectories(root.resolve("sys/module/" + m + "/holders"));
        }
        write("sys/module/a/refcnt", "1\n"); // busy: only a forced removal takes it, and taints (R)
        write("sys/module/b/refcnt", "0\n");
        write("sys/module/core/refcnt", "2\n");
        Files.createSymbolicLink(root.resolve("sys/module/core/holders/a"), Path.of("../../a"));
        Files.createSymbolicLink(root.resolve("sys/module/core/holders/b"), Path.of("../../b"));
        write("proc/sys/kernel/tainted", "0\n");
    }

    /** The fixture byte for byte, less its lock file. */
    private TreeSnapshot snapshot() {
        return TreeSnapshot.ofFixture(root);
    }

    @Test
    void aFailureAtAnyStepOfWritingLeavesTheFixtureExactlyAsItWas() throws IOException {
        fixture();
        TreeSnapshot before = snapshot();
        // a forced removal of busy a: a's directory and core/holders/a go, proc/modules, core/refcnt and tainted change
        AtomicInteger steps = new AtomicInteger();
        FixtureEdit.commitHook = steps::set;
        FixtureDeleteModule syscall = new FixtureDeleteModule(root);
        assertEquals(SyscallResult.ok(), syscall.deleteModule(UserString.of("a"), 0xa00));
        int last = steps.get();
        assertEquals(4, last, "2 removals and 3 replacements: steps 0 to 4");
        TreeSnapshot after = snapshot();
        assertNotEquals(before, after);
        assertEquals("file " + HexFormat.of().formatHex("8\n".getBytes()), after.entries().get("proc/sys/kernel/tainted"),
                "R written");

        for (int failAt = 0; failAt <= last; failAt++) {
            FixtureEdit.commitHook = null;
            deleteAll();
            fixture();
            int f = failAt;
            FixtureEdit.commitHook = step -> {
                if (step == f) {
                    throw new IllegalStateException("injected failure at step " + f);
                }
            };
            FixtureException e = assertThrows(FixtureException.class,
                    () -> new FixtureDeleteModule(root).deleteModule(UserString.of("a"), 0xa00));
            assertTrue(e.getMessage().endsWith("the removal could not be written (injected failure at step " + f
                    + "); the fixture was left as it was"), e.getMessage());
            assertEquals(before, snapshot(), "after a failure at step " + f);
        }
    }

    @Test
    void aCheckThatFailsAfterTheDecisionWritesNothing() throws IOException {
        fixture();
        write("sys/module/core/refcnt", "two\n");
        TreeSnapshot before = snapshot();
        FixtureException e = assertThrows(FixtureException.class,
                () -> new FixtureDeleteModule(root).deleteModule(UserString.of("b"), 0x800));
        assertEquals("fixture " + root.toRealPath() + ": sys/module/core/refcnt: not a number ('two\\n'), so the "
                + "reference its user held cannot be dropped; nothing was changed", e.getMessage());
        assertEquals(before, snapshot());
    }

    private void deleteAll() throws IOException {
        try (DirectoryStream<Path> d = Files.newDirectoryStream(root)) {
            for (Path p : d) {
                FixtureEdit.deleteTree(p);
            }
        }
    }
}
