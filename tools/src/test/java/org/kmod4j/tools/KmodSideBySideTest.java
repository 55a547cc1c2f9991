package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kmod4j's lsmod and rmmod against Debian's kmod 30 on the same fixture trees: identical stdout, stderr (kmod's
 * debug source locations removed), exit status and delete_module calls, except for the chosen policy's documented
 * differences, which are asserted as such. Every removal reaches only the fake (LD_PRELOAD for kmod, enosys for
 * kmod4j), which answers ENOSYS as this machine's kernel does. Skipped, with the reason, where kmod 30 or mount
 * namespaces are not available.
 */
class KmodSideBySideTest {
    private static final String LONG_NAME = "kmod4j_long_module_name_that_is_exactly_55_characters_x";

    @TempDir
    Path tmp;

    Fixture fx;

    @BeforeEach
    void setUp() throws IOException {
        SideBySide.assumePeer();
        fx = new Fixture(Files.createDirectories(tmp.resolve("root")));
    }

    // ---- lsmod ---------------------------------------------------------------------------------------------------

    @Test
    void lsmodListsModulesWithHoldersInDirectoryOrder() throws IOException {
        fx.loaded("kmod4j_snd_hwdep", 16384, 0)
                .loaded("kmod4j_snd_seq_device", 16384, 1, "kmod4j_snd_rawmidi")
                .loaded("kmod4j_snd", 126976, 5, "kmod4j_snd_seq_device", "kmod4j_snd_hwdep", "kmod4j_snd_timer",
                        "kmod4j_snd_pcm", "kmod4j_snd_rawmidi")
                .loaded("kmod4j_soundcore", 16384, 1, "kmod4j_snd")
                .loaded(LONG_NAME, 16384, 0)
                .loaded("kmod4j_big", 123456789012L, 12);
        SideBySide.Pair p = SideBySide.run(fx, "lsmod").assertSame();
        assertTrue(p.kmod4j().out().startsWith("Module                  Size  Used by\nkmod4j_snd_hwdep       16384  0\n"),
                p.kmod4j().out());
        assertTrue(p.kmod4j().out().contains(LONG_NAME + "    16384  0\n"), p.kmod4j().out());
    }

    @Test
    void lsmodWithoutProcModules() throws IOException {
        fx.noProcModules();
        SideBySide.Pair p = SideBySide.run(fx, "lsmod").assertSame();
        assertEquals("libkmod: kmod_module_new_from_loaded: could not open /proc/modules: No such file or directory\n"
                + "Error: could not get list of modules: No such file or directory\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
    }

    @Test
    void lsmodTakesNoArguments() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0);
        assertEquals("Usage: lsmod\n", SideBySide.run(fx, "lsmod", "-h").assertSame().kmod4j().err());
        SideBySide.run(fx, "lsmod", "--bogus").assertSame();
        SideBySide.run(fx, "lsmod", "kmod4j_a").assertSame();
        SideBySide.run(fx, "lsmod", "--").assertSame();
    }

    @Test
    void lsmodModuleWhoseSysfsDirectoryIsGone() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0).procLine("kmod4j_ghost 16384 0 - Live 0xffffffffc0a00000");
        SideBySide.Pair p = SideBySide.run(fx, "lsmod").assertSame();
        assertTrue(p.kmod4j().out().contains("kmod4j_ghost              -2  -2\n"), p.kmod4j().out());
    }

    @Test
    void lsmodSizeFallbackAndTransientStates() throws IOException {
        fx.inState("going", "kmod4j_going", 20480, -1).inState("coming", "kmod4j_coming", 24576, 1);
        fx.procLine("kmod4j_nocore 28672 0 - Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_nocore").initstate("live\n").refcnt("0\n").holders();
        fx.procLine("kmod4j_badsize 12x 0 - Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_badsize").initstate("live\n").refcnt("0\n").holders();
        fx.procLine("kmod4j_short");
        fx.sysfs("kmod4j_short").refcnt("0\n").holders();
        SideBySide.run(fx, "lsmod").assertSame();
    }

    @Test
    void lsmodHoldersPlaceholderIsAHolderWithAnEmptyName() throws IOException {
        fx.loaded("kmod4j_btusb", 45056, 0);
        fx.sysfs("kmod4j_btusb").file("holders/.gitkeep", "");
        SideBySide.Pair p = SideBySide.run(fx, "lsmod").assertSame();
        assertTrue(p.kmod4j().out().endsWith("kmod4j_btusb           45056  0 \n"), p.kmod4j().out());
    }

    @Test
    void lsmodEmptyAndOddProcModules() throws IOException {
        fx.procModulesText("");
        assertEquals("Module                  Size  Used by\n", SideBySide.run(fx, "lsmod").assertSame().kmod4j().out());
        fx.loaded("kmod4j_under", 16384, 0);
        fx.procModulesText("kmod4j-under\t16384 0 - Live 0x0000000000000000\n\n   \nkmod4j_under.ko 1 2\n   ");
        SideBySide.run(fx, "lsmod").assertSame();
    }

    @Test
    void lsmodUnreadableSysfsValues() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0).loaded("kmod4j_b", 16384, 0).loaded("kmod4j_c", 16384, 0);
        fx.sysfs("kmod4j_a").refcnt("abc\n").coresize("12ab\n");
        fx.sysfs("kmod4j_b").refcnt("3").coresize("  4096 \n");
        fx.sysfs("kmod4j_c").refcnt("-7\n").coresize("99999999999999999999999\n");
        fx.sysfs("kmod4j_d").refcnt("0\n").dir("coresize").file("holders", "");
        fx.procLine("kmod4j_d 8192 0 - Live 0xffffffffc0a00000");
        SideBySide.run(fx, "lsmod").assertSame();
    }

    // ---- rmmod: pre-checks ---------------------------------------------------------------------------------------

    @Test
    void rmmodNotCurrentlyLoaded() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_missing").assertSame();
        assertEquals("rmmod: ERROR: Module kmod4j_missing is not currently loaded\n", p.kmod4j().err());
        assertEquals(List.of(), p.kmod4j().calls());
    }

    @Test
    void rmmodBuiltinFromModulesBuiltinBin() throws IOException {
        assumeTrue(fx.builtin("kernel/drivers/kmod4j/kmod4j-builtin-a.ko", "kernel/net/kmod4j_builtin_b.ko"),
                "depmod could not build modules.builtin.bin");
        fx.sysfs("kmod4j_builtin_b").dir("parameters");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_builtin_a", "kmod4j-builtin-b.ko", "kmod4j_builtin")
                .assertSame();
        assertEquals("rmmod: ERROR: Module kmod4j_builtin_a is builtin.\n"
                + "rmmod: ERROR: Module kmod4j_builtin_b is builtin.\n"
                + "rmmod: ERROR: Module kmod4j_builtin is not currently loaded\n", p.kmod4j().err());
    }

    @Test
    void rmmodPathArgumentIsNeverBuiltin() throws IOException {
        assumeTrue(fx.builtin("kernel/drivers/kmod4j/kmod4j_bi.ko"), "depmod could not build modules.builtin.bin");
        Path ko = Files.createDirectories(tmp.resolve("mods")).resolve("kmod4j_bi.ko");
        Files.writeString(ko, "not an ELF file");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", ko.toString()).assertSame();
        assertEquals("rmmod: ERROR: Module kmod4j_bi is not currently loaded\n", p.kmod4j().err());
    }

    @Test
    void rmmodInUseByHoldersInDirectoryOrder() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0, "kmod4j_b").loaded("kmod4j_b", 16384, 0)
                .loaded("kmod4j_core", 16384, 4, "kmod4j_u1", "kmod4j_u2", "kmod4j_u3", "kmod4j_u4");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_core").assertSame();
        assertTrue(p.kmod4j().err().startsWith("rmmod: ERROR: Module kmod4j_core is in use by: kmod4j_u"));
        SideBySide.run(fx, "rmmod", "kmod4j_a").assertSame();
    }

    @Test
    void rmmodInUse() throws IOException {
        fx.loaded("kmod4j_busy", 16384, 2);
        assertEquals("rmmod: ERROR: Module kmod4j_busy is in use\n",
                SideBySide.run(fx, "rmmod", "kmod4j_busy").assertSame().kmod4j().err());
    }

    @Test
    void rmmodUnloadingNotSupported() throws IOException {
        fx.sysfs("kmod4j_bridge").dir("parameters");
        fx.loaded("kmod4j_nounload", 16384, 0);
        Files.delete(fx.root.resolve("sys/module/kmod4j_nounload/refcnt"));
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_bridge", "kmod4j_nounload").assertSame();
        assertEquals("rmmod: ERROR: could not open '/sys/module/kmod4j_bridge/holders': No such file or directory\n"
                + "rmmod: ERROR: Module unloading is not supported\n"
                + "rmmod: ERROR: Module unloading is not supported\n", p.kmod4j().err());
    }

    @Test
    void rmmodUnknownInitstateAndComingWithoutInitstate() throws IOException {
        fx.loaded("kmod4j_odd", 16384, 0);
        fx.sysfs("kmod4j_odd").initstate("bogus\n");
        fx.sysfs("kmod4j_noinit").refcnt("1\n").holders();
        fx.sysfs("kmod4j_noinit2").refcnt("0\n").holders();
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_odd", "kmod4j_noinit", "kmod4j_noinit2").assertSame();
        assertTrue(p.kmod4j().err().startsWith("rmmod: ERROR: unknown /sys/module/kmod4j_odd/initstate: 'bogus\n'\n"
                + "rmmod: ERROR: Module kmod4j_odd is not currently loaded\n"
                + "rmmod: ERROR: Module kmod4j_noinit is in use\n"), p.kmod4j().err());
    }

    @Test
    void rmmodUnreadableRefcntFailsWithLibkmodMessageOnly() throws IOException {
        fx.loaded("kmod4j_a", 16384, 0);
        fx.sysfs("kmod4j_a").refcnt("many\n");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_a").assertSame();
        assertEquals("rmmod: ERROR: could not read integer from '/sys/module/kmod4j_a/refcnt': 'Invalid argument'\n",
                p.kmod4j().err());
    }

    @Test
    void rmmodBeingUnloadedIsNamedInsteadOfSilent() throws IOException {
        fx.inState("going", "kmod4j_going", 16384, -1);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_going");
        // Chosen policy: kmod 30 fails silently; kmod4j says why. Same status, no syscall.
        assertEquals("", p.kmod().err());
        assertEquals("rmmod: ERROR: Module kmod4j_going is being unloaded\n", p.kmod4j().err());
        assertEquals(1, p.kmod().status());
        assertEquals(1, p.kmod4j().status());
        assertEquals(p.kmod().out(), p.kmod4j().out());
        p.assertCallsSame();
    }

    // ---- rmmod: the syscall --------------------------------------------------------------------------------------

    @Test
    void rmmodRemovableModuleReachesTheSyscallWithNonblock() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_ok").assertSame();
        assertEquals("rmmod: ERROR: could not remove 'kmod4j_ok': Function not implemented\n"
                + "rmmod: ERROR: could not remove module kmod4j_ok: Function not implemented\n", p.kmod4j().err());
        assertEquals(List.of("kmod4j_ok 0x800"), p.kmod4j().calls());
    }

    @Test
    void rmmodForceSkipsEveryCheckAndAddsTrunc() throws IOException {
        fx.loaded("kmod4j_core", 16384, 1, "kmod4j_user").loaded("kmod4j_user", 16384, 0)
                .inState("going", "kmod4j_going", 16384, -1);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "-f", "kmod4j_core", "kmod4j_missing", "kmod4j_going")
                .assertSame();
        assertEquals(List.of("kmod4j_core 0xa00", "kmod4j_missing 0xa00", "kmod4j_going 0xa00"), p.kmod4j().calls());
        SideBySide.run(fx, "rmmod", "--force", "kmod4j_core").assertSame();
        SideBySide.run(fx, "rmmod", "--forc", "kmod4j_core").assertSame();
    }

    @Test
    void rmmodContinuesAfterErrors() throws IOException {
        fx.loaded("kmod4j_busy", 16384, 1).loaded("kmod4j_ok", 16384, 0).loaded("kmod4j_held", 16384, 1, "kmod4j_busy");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_missing", "kmod4j_busy", "kmod4j_ok", "kmod4j_held",
                "kmod4j_ok").assertSame();
        assertEquals(1, p.kmod4j().status());
        assertEquals(List.of("kmod4j_ok 0x800", "kmod4j_ok 0x800"), p.kmod4j().calls());
    }

    @Test
    void rmmodOptionsAfterOperandsAndDoubleDash() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "kmod4j_ok", "-f").assertSame();
        assertEquals(List.of("kmod4j_ok 0xa00"), p.kmod4j().calls());
        SideBySide.run(fx, "rmmod", "--", "-f", "kmod4j_ok").assertSame();
        SideBySide.run(fx, "rmmod", "-v", "--", "--", "-x").assertSame();
    }

    // ---- rmmod: names and paths ----------------------------------------------------------------------------------

    @Test
    void rmmodPathArgumentsAreNormalized() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0).loaded("kmod4j_snd_pcm", 16384, 0);
        Path dir = Files.createDirectories(tmp.resolve("lib/kernel/sound"));
        Files.writeString(dir.resolve("kmod4j-ok.ko.xz"), "");
        Files.writeString(dir.resolve("dm.log"), "");
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", dir.resolve("kmod4j-ok.ko.xz").toString(), "kmod4j-snd-pcm.ko",
                "-f", dir.resolve("dm.log").toString()).assertSame();
        assertEquals(List.of("kmod4j_ok 0xa00", "kmod4j_snd_pcm 0xa00", "dm 0xa00"), p.kmod4j().calls());
        assertTrue(p.kmod4j().err().contains("could not remove module " + dir.resolve("kmod4j-ok.ko.xz") + ": "));
    }

    @Test
    void rmmodRelativePathsFromTheWorkingDirectory() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        Path cwd = Files.createDirectories(tmp.resolve("work/sub"));
        Files.writeString(cwd.resolve("kmod4j-ok.ko"), "");
        Files.createDirectories(cwd.resolve("kmod4j_dir"));
        SideBySide.Pair p = SideBySide.run(fx, cwd.getParent(), false, null, "rmmod", "sub/kmod4j-ok.ko",
                "./sub/kmod4j-ok.ko", "sub/kmod4j_dir", "kmod4j-ok.ko/", "sub/kmod4j-ok.ko/.").assertSame();
        // The two paths, then "kmod4j-ok.ko/" (no such file here: a name, cut at the first '.'); "sub/kmod4j-ok.ko/."
        // is not a file either (ENOTDIR) and becomes the name "sub/kmod4j_ok", which is not loaded.
        assertEquals(List.of("kmod4j_ok 0x800", "kmod4j_ok 0x800", "kmod4j_ok 0x800"), p.kmod4j().calls());
        assertTrue(p.kmod4j().err().contains("rmmod: ERROR: Module kmod4j_dir is not currently loaded\n"
                + "rmmod: ERROR: could not remove 'kmod4j_ok': Function not implemented\n"
                + "rmmod: ERROR: could not remove module kmod4j-ok.ko/: Function not implemented\n"
                + "rmmod: ERROR: Module sub/kmod4j_ok is not currently loaded\n"), p.kmod4j().err());
    }

    @Test
    void rmmodEmptyNames() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "", "./missing-file.ko", ".hidden").assertSame();
        assertTrue(p.kmod4j().err().startsWith("rmmod: ERROR: could not open '/sys/module//holders': "
                + "No such file or directory\nrmmod: ERROR: Module unloading is not supported\n"), p.kmod4j().err());
    }

    @Test
    void rmmodCouldNotUseModuleStopsAndFails() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        Path dir = Files.createDirectories(tmp.resolve("somedir"));
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "-f", dir + "/", "kmod4j_ok");
        // Same messages, and the run stops at that argument; kmod 30 then exits 0, kmod4j 1 (fixed in kmod 34).
        assertEquals("rmmod: ERROR: could not use module " + dir + "/: No such file or directory\n", p.kmod().err());
        assertEquals(p.kmod().err(), p.kmod4j().err());
        assertEquals(p.kmod().out(), p.kmod4j().out());
        assertEquals(0, p.kmod().status());
        assertEquals(1, p.kmod4j().status());
        p.assertCallsSame();
        assertEquals(List.of(), p.kmod4j().calls());
    }

    // ---- rmmod: options ------------------------------------------------------------------------------------------

    @Test
    void rmmodMissingModuleName() throws IOException {
        assertEquals("rmmod: ERROR: missing module name.\n", SideBySide.run(fx, "rmmod").assertSame().kmod4j().err());
        SideBySide.run(fx, "rmmod", "-f", "-v", "--").assertSame();
    }

    @Test
    void rmmodBadOptionsUseGlibcMessages() throws IOException {
        assertEquals("rmmod: unrecognized option '--bogus'\n",
                SideBySide.run(fx, "rmmod", "--bogus", "kmod4j_x").assertSame().kmod4j().err());
        SideBySide.run(fx, "rmmod", "--bogus=3").assertSame();
        SideBySide.run(fx, "rmmod", "-x").assertSame();
        SideBySide.run(fx, "rmmod", "-fx", "kmod4j_x").assertSame();
        SideBySide.run(fx, "rmmod", "--v").assertSame();
        SideBySide.run(fx, "rmmod", "--ver=1").assertSame();
        SideBySide.run(fx, "rmmod", "--force=1").assertSame();
        SideBySide.run(fx, "rmmod", "--roo", "x").assertSame();
        SideBySide.run(fx, "rmmod", "--s", "kmod4j_x").assertSame();
    }

    @Test
    void rmmodDashWIsAnUnknownOption() throws IOException {
        SideBySide.Pair p = SideBySide.run(fx, "rmmod", "-w", "kmod4j_x");
        // Chosen policy: as kmod 34, which dropped the dead -w of kmod 30.
        assertEquals("rmmod: ERROR: unexpected getopt_long() value 'w'.\n", p.kmod().err());
        assertEquals("rmmod: invalid option -- 'w'\n", p.kmod4j().err());
        assertEquals(1, p.kmod().status());
        assertEquals(1, p.kmod4j().status());
    }

    @Test
    void rmmodHelpVersionAndVerbose() throws IOException {
        fx.loaded("kmod4j_ok", 16384, 0);
        SideBySide.Pair help = SideBySide.run(fx, "rmmod", "-h").assertSameHelp(Kmod4jHelp.rmmod());
        assertTrue(help.kmod4j().out().startsWith("Usage:\n\trmmod [options] modulename ...\n"));
        SideBySide.run(fx, "rmmod", "--help", "--bogus").assertSameHelp(Kmod4jHelp.rmmod());
        SideBySide.run(fx, "rmmod", "--bogus", "--help").assertSame();
        SideBySide.run(fx, "rmmod", "-v", "kmod4j_ok", "kmod4j_missing").assertSame();
        SideBySide.run(fx, "rmmod", "-vv", "kmod4j_ok").assertSame();
        SideBySide.Pair version = SideBySide.run(fx, "rmmod", "-V");
        // Same first line; the feature line says what kmod4j has (no decompression, no signature support).
        assertEquals(version.kmod().out().lines().findFirst(), version.kmod4j().out().lines().findFirst());
        assertEquals("kmod version 30\n-ZSTD -XZ -ZLIB -LIBCRYPTO -EXPERIMENTAL\n", version.kmod4j().out());
        assertEquals(version.kmod().status(), version.kmod4j().status());
    }

    @Test
    void rmmodSyslog() throws IOException {
        fx.loaded("kmod4j_core", 16384, 2, "kmod4j_u1", "kmod4j_u2").loaded("kmod4j_ok", 16384, 0);
        SideBySide.CapturingSyslog log = new SideBySide.CapturingSyslog();
        SideBySide.Pair p = SideBySide.run(fx, Path.of("/"), false, log, "rmmod", "-s", "kmod4j_missing", "kmod4j_ok");
        assertEquals("", p.kmod().err());
        p.assertSame();
        assertEquals(List.of("<3>ERROR: Module kmod4j_missing is not currently loaded\n",
                "<3>ERROR: could not remove 'kmod4j_ok': Function not implemented\n",
                "<3>ERROR: could not remove module kmod4j_ok: Function not implemented\n"), log.messages);
        assertEquals("rmmod", log.ident);

        SideBySide.CapturingSyslog log2 = new SideBySide.CapturingSyslog();
        SideBySide.Pair inUse = SideBySide.run(fx, Path.of("/"), false, log2, "rmmod", "-s", "kmod4j_core");
        // Chosen policy: one syslog message; kmod 30 wrote the holder names to stderr.
        assertTrue(inUse.kmod().err().matches(" kmod4j_u[12] kmod4j_u[12]\n"), inUse.kmod().err());
        assertEquals("", inUse.kmod4j().err());
        assertEquals(List.of("<3>ERROR: Module kmod4j_core is in use by:" + inUse.kmod().err()), log2.messages);
        assertEquals(1, inUse.kmod4j().status());
    }
}
