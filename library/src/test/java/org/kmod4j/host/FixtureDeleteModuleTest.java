package org.kmod4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;

class FixtureDeleteModuleTest {
    @TempDir
    Path root;

    private static final int NB = 0x800;
    private static final int NB_TRUNC = 0xa00;

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private SyscallResult del(String name, int flags) {
        return new FixtureDeleteModule(root).deleteModule(UserString.of(name), flags);
    }

    @Test
    void kernelWithoutModuleUnloadGivesEnosysForEveryName() throws IOException {
        // CONFIG_MODULE_UNLOAD is kernel-wide: /proc/modules shows "- -" on every line, and the syscall is
        // sys_ni_syscall, so every call gets ENOSYS before any other check.
        write("proc/modules", """
                nounload 4096 - - Live 0xffffffffc0005000
                """);
        write("proc/sys/kernel/modules_disabled", "1\n");
        assertEquals(SyscallResult.failed(Errno.ENOSYS), del("nounload", NB));
        assertEquals(SyscallResult.failed(Errno.ENOSYS), del("missing", NB_TRUNC));
    }

    @Test
    void errnoRulesInKernelOrder() throws IOException {
        assertEquals(SyscallResult.failed(Errno.ENOSYS), del("x", NB)); // no proc/modules: no module support
        write("proc/modules", """
                user 4096 0 - Live 0xffffffffc0000000
                target 8192 1 user, Live 0xffffffffc0001000
                coming 4096 1 - Loading 0xffffffffc0002000 (O+)
                perm 4096 0 [permanent], Live 0xffffffffc0003000
                busy 4096 2 - Live 0xffffffffc0004000
                """);
        assertEquals(SyscallResult.failed(Errno.ENOENT), del("missing", NB));
        assertEquals(SyscallResult.failed(Errno.ENOENT), del("", NB));
        assertEquals(SyscallResult.failed(Errno.ENOENT), del("u".repeat(56), NB));
        assertEquals(SyscallResult.failed(Errno.EFAULT),
                new FixtureDeleteModule(root).deleteModule(UserString.unmapped(0), NB));
        assertEquals(SyscallResult.failed(Errno.EWOULDBLOCK), del("target", NB_TRUNC));
        assertEquals(SyscallResult.failed(Errno.EBUSY), del("coming", NB_TRUNC));
        assertEquals(SyscallResult.failed(Errno.EBUSY), del("perm", NB));
        assertEquals(SyscallResult.failed(Errno.EWOULDBLOCK), del("busy", NB));
        assertEquals(SyscallResult.failed(Errno.EBUSY),
                new FixtureDeleteModule(root, false).deleteModule(UserString.of("perm"), NB_TRUNC));
        write("proc/sys/kernel/modules_disabled", "1\n");
        assertEquals(SyscallResult.failed(Errno.EPERM), del("missing", NB));
    }

    @Test
    void successRemovesTheModuleAndItsUsesAndForceTaints() throws Exception {
        write("proc/modules", """
                user 4096 0 - Live 0xffffffffc0000000
                target 8192 1 user, Live 0xffffffffc0001000
                busy 4096 2 - Live 0xffffffffc0004000
                """);
        write("proc/sys/kernel/tainted", "4096\n");
        write("sys/module/user/refcnt", "0\n");
        Files.createDirectories(root.resolve("sys/module/user/holders"));
        write("sys/module/target/refcnt", "1\n");
        Files.createDirectories(root.resolve("sys/module/target/holders"));
        Files.createSymbolicLink(root.resolve("sys/module/target/holders/user"), Path.of("../../user"));

        assertEquals(SyscallResult.ok(), del("user", NB));
        assertEquals("target 8192 0 - Live 0xffffffffc0001000\nbusy 4096 2 - Live 0xffffffffc0004000\n",
                Files.readString(root.resolve("proc/modules")));
        assertFalse(Files.exists(root.resolve("sys/module/user")));
        assertEquals("0\n", Files.readString(root.resolve("sys/module/target/refcnt")));
        assertEquals(List.of(), new HostKernel(root).listDirectory("/sys/module/target/holders"));
        assertEquals("4096\n", Files.readString(root.resolve("proc/sys/kernel/tainted")));

        assertEquals(SyscallResult.ok(), del("busy", NB_TRUNC));
        assertEquals("4104\n", Files.readString(root.resolve("proc/sys/kernel/tainted")));
        assertEquals(SyscallResult.failed(Errno.ENOENT), del("busy", NB_TRUNC));
    }

    /**
     * The fake agrees with the simulated kernel: a snapshot of the simulator's views as a fixture, then the same
     * removals on both, comparing each result and the views after it.
     */
    @Test
    void agreesWithTheSimulatedKernel() throws Exception {
        String scenario = """
                module kmod4j_target size=16384 taint=OE exports=kmod4j_target_value init exit device=/dev/kmod4j_target
                module kmod4j_user_a size=12288 taint=OE uses=kmod4j_target_value init exit
                module kmod4j_user_b size=12288 taint=OE uses=kmod4j_target_value init exit
                module kmod4j_noexit size=12288 taint=OE init
                module kmod4j_plain size=8192 taint=OE
                load kmod4j_target
                load kmod4j_user_a
                load kmod4j_user_b
                load kmod4j_noexit
                load kmod4j_plain
                open 0 /dev/kmod4j_target
                """;
        ScenarioRunner runner = new ScenarioRunner(ScenarioParser.parse(scenario));
        runner.run();
        ModuleSubsystem sim = runner.kernel();
        snapshot(sim, root);
        FixtureDeleteModule fake = new FixtureDeleteModule(root);
        HostKernel fixture = new HostKernel(root, fake);
        Object[][] steps = {
            {"kmod4j_target", NB}, {"kmod4j_target", NB_TRUNC}, {"kmod4j_missing", NB}, {"kmod4j-plain", NB},
            {"kmod4j_noexit", NB}, {"kmod4j_user_b", NB}, {"kmod4j_user_a", 0}, {"kmod4j_target", NB},
            {"kmod4j_noexit", NB_TRUNC}, {"kmod4j_plain", 0x40000000}, {"kmod4j_target", NB_TRUNC},
            {"kmod4j_target", NB_TRUNC},
        };
        List<String> results = new java.util.ArrayList<>();
        for (Object[] step : steps) {
            String name = (String) step[0];
            int flags = (Integer) step[1];
            SyscallResult expected = sim.deleteModule(name, flags);
            SyscallResult actual = fixture.deleteModule(name, flags);
            String what = "delete_module(" + name + ", " + RemoveFlags.describe(flags) + ")";
            assertEquals(expected, actual, what);
            results.add(actual.toString());
            assertEquals(sim.readFile("/proc/modules"), fixture.readFile("/proc/modules"), "/proc/modules after " + what);
            assertEquals(sim.readFile("/proc/sys/kernel/tainted"), fixture.readFile("/proc/sys/kernel/tainted"),
                    "tainted after " + what);
            for (String m : sim.listDirectory("/sys/module")) {
                if (sim.listDirectory("/sys/module/" + m).contains("refcnt")) {
                    assertEquals(sim.readFile("/sys/module/" + m + "/refcnt"),
                            fixture.readFile("/sys/module/" + m + "/refcnt"), m + " refcnt after " + what);
                    assertEquals(sorted(sim.listDirectory("/sys/module/" + m + "/holders")),
                            sorted(fixture.listDirectory("/sys/module/" + m + "/holders")), m + " holders after " + what);
                }
            }
            assertEquals(sorted(sim.listDirectory("/sys/module")), sorted(fixture.listDirectory("/sys/module")));
        }
        assertEquals(List.of("EWOULDBLOCK", "EWOULDBLOCK", "ENOENT", "ENOENT", "EBUSY", "OK", "OK", "EWOULDBLOCK", "OK",
                "OK", "OK", "ENOENT"), results);
        assertTrue(fixture.readFile("/proc/modules").isEmpty());
    }

    private static List<String> sorted(List<String> l) {
        return l.stream().sorted().toList();
    }

    /** Writes a kernel's views into a fixture tree: proc/modules, tainted, and /sys/module with holders as links. */
    static void snapshot(ModuleSubsystem k, Path root) throws IOException, ViewException {
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/modules"), k.readFile("/proc/modules"));
        Files.writeString(root.resolve("proc/sys/kernel/tainted"), k.readFile("/proc/sys/kernel/tainted"));
        copyDir(k, "/sys/module", root);
    }

    private static void copyDir(ModuleSubsystem k, String dir, Path root) throws IOException, ViewException {
        Path target = root.resolve(dir.substring(1));
        Files.createDirectories(target);
        for (String entry : k.listDirectory(dir)) {
            String path = dir + "/" + entry;
            if (dir.endsWith("/holders")) {
                Files.createSymbolicLink(target.resolve(entry), Path.of("../../" + entry));
                continue;
            }
            try {
                Files.writeString(target.resolve(entry), k.readFile(path));
            } catch (ViewException e) {
                if (e.errno() == Errno.EISDIR) {
                    copyDir(k, path, root);
                }
                // write-only attributes (uevent) are left out
            }
        }
    }
}
