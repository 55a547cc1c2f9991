package org.kmod4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.ViewException;

class HostKernelTest {
    @TempDir
    Path root;

    private HostKernel fixture() {
        return new HostKernel(root, new NoModuleSupportDeleteModule());
    }

    private void write(String relative, String content) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void readsFilesUnderTheRoot() throws Exception {
        write("sys/module/snd/refcnt", "5\n");
        HostKernel k = fixture();
        assertEquals("5\n", k.readFile("/sys/module/snd/refcnt"));
        assertEquals(root.resolve("sys/module/snd/refcnt"), k.resolve("/sys/module/snd/refcnt"));
        assertFalse(k.isRealRoot());
    }

    @Test
    void viewErrorsCarryTheErrno() throws Exception {
        write("sys/module/snd/refcnt", "5\n");
        HostKernel k = fixture();
        assertEquals(Errno.ENOENT, assertThrows(ViewException.class, () -> k.readFile("/proc/modules")).errno());
        assertEquals(Errno.EISDIR, assertThrows(ViewException.class, () -> k.readFile("/sys/module/snd")).errno());
        assertEquals(Errno.ENOTDIR,
                assertThrows(ViewException.class, () -> k.listDirectory("/sys/module/snd/refcnt")).errno());
        assertEquals(Errno.ENOENT,
                assertThrows(ViewException.class, () -> k.listDirectory("/sys/module/snd/holders")).errno());
        assertEquals(Errno.ENOTDIR,
                assertThrows(ViewException.class, () -> k.readFile("/sys/module/snd/refcnt/x")).errno());
    }

    @Test
    void directoriesKeepTheirReaddirOrder() throws Exception {
        Path holders = Files.createDirectories(root.resolve("sys/module/snd/holders"));
        for (String n : new String[] {"snd_seq_device", "snd_hwdep", "snd_timer", "snd_pcm", "snd_rawmidi", "a", "zz",
                                      "m", ".gitkeep"}) {
            Files.createSymbolicLink(holders.resolve(n), Path.of("../../" + n));
        }
        // "ls -f" lists in readdir order, with . and .. (which the view leaves out).
        Process ls = new ProcessBuilder("ls", "-f", holders.toString()).start();
        assertTrue(ls.waitFor(30, TimeUnit.SECONDS));
        List<String> expected = new ArrayList<>(new String(ls.getInputStream().readAllBytes()).lines().toList());
        expected.removeIf(n -> n.equals(".") || n.equals(".."));
        assertEquals(expected, fixture().listDirectory("/sys/module/snd/holders"));
    }

    @Test
    void parsesProcModules() throws Exception {
        write("proc/modules", """
                snd 126976 5 snd_seq_device,snd_hwdep,snd_timer,snd_pcm,snd_rawmidi, Live 0xffffffffc05bf000
                perm 12288 0 [permanent], Live 0xffffffffc0a20000
                vbox 696320 1 other,[permanent], Live 0x0000000000000000 (OE)
                dying 16384 -1 - Unloading 0xffffffffc0a30000 (O-)
                loading 20480 1 - Loading 0xffffffffc0a40000 (O+)
                old 4096 - - Live 0xffffffffc0a50000
                """);
        List<LoadedModule> mods = fixture().loadedModules();
        assertEquals(6, mods.size());
        LoadedModule snd = mods.get(0);
        assertEquals(ModuleName.of("snd"), snd.name());
        assertEquals(126976, snd.size());
        assertEquals(5, snd.refcount());
        assertEquals(List.of("snd_seq_device", "snd_hwdep", "snd_timer", "snd_pcm", "snd_rawmidi"),
                snd.holders().stream().map(ModuleName::value).toList());
        assertEquals(ModuleState.LIVE, snd.state());
        assertTrue(mods.get(1).permanent());
        assertEquals(List.of(), mods.get(1).holders());
        assertTrue(mods.get(2).permanent());
        assertEquals("OE", mods.get(2).taints());
        assertEquals(List.of(ModuleName.of("other")), mods.get(2).holders());
        assertEquals(ModuleState.GOING, mods.get(3).state());
        assertEquals(-1, mods.get(3).refcount());
        assertEquals("O", mods.get(3).taints());
        assertEquals(ModuleState.COMING, mods.get(4).state());
        assertEquals(0, mods.get(5).refcount()); // "-": a kernel without module unloading
    }

    @Test
    void aMalformedLineIsNamedInTheError() throws Exception {
        write("proc/modules", "snd 126976 0 - Live 0xffffffffc05bf000\nthis is not a module line\n");
        ViewException e = assertThrows(ViewException.class, () -> fixture().loadedModules());
        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().startsWith("/proc/modules:2: malformed line \"this is not a module line\""),
                e.getMessage());
        write("proc/modules", "snd 12x 0 - Live 0xffffffffc05bf000\n");
        assertTrue(assertThrows(ViewException.class, () -> fixture().loadedModules()).getMessage()
                .contains("bad size '12x'"));
        write("proc/modules", "snd 1 0 - Gone 0xffffffffc05bf000\n");
        assertTrue(assertThrows(ViewException.class, () -> fixture().loadedModules()).getMessage()
                .contains("bad state 'Gone'"));
        write("proc/modules", "snd 1 0 a,b Live 0x0\n");
        assertTrue(assertThrows(ViewException.class, () -> fixture().loadedModules()).getMessage()
                .contains("must be '-' or end with ','"));
    }

    @Test
    void noProcModulesIsEnoent() {
        assertEquals(Errno.ENOENT, assertThrows(ViewException.class, () -> fixture().loadedModules()).errno());
    }

    @Test
    void releaseComesFromUnameOrTheFixture() throws Exception {
        assertEquals(System.getProperty("os.version"), fixture().release());
        write("proc/sys/kernel/osrelease", "4.4.4\n");
        assertEquals("4.4.4", fixture().release());
    }

    @Test
    void aFixtureNeverGetsTheRealSyscall() {
        assertThrows(IllegalArgumentException.class, () -> new HostKernel(root, new NativeDeleteModule("amd64")));
        assertTrue(new HostKernel(root).syscall() instanceof FixtureDeleteModule);
        assertTrue(HostKernel.isRealRoot(Path.of("/")));
        assertFalse(HostKernel.isRealRoot(root));
    }

    @Test
    void emptyProcModulesMeansNoModuleLoaded() throws Exception {
        assertEquals(java.util.List.of(), ProcModules.parse("", "/proc/modules"));
        assertEquals(false, ProcModules.lacksUnloadInfo(""));
        assertEquals(true, ProcModules.lacksUnloadInfo("m 4096 - - Live 0x0\n"));
    }
}
