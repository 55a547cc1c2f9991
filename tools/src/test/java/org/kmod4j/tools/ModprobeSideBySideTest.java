package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kmod4j.cli.Main;
import org.opentest4j.TestAbortedException;

/**
 * kmod4j's {@code modprobe -r} against Debian's kmod 30 on the same fixture trees: fake modules compiled by gcc and
 * indexed by the real depmod, a loaded state in {@code proc/modules} and {@code sys/module}, configuration in
 * {@code etc/modprobe.d}. Each implementation runs on its own copy with a {@code delete_module} that applies the
 * kernel's rules and removes the module from the copy (kmod: the LD_PRELOAD fake in emulate mode; kmod4j:
 * {@code --root}), so dependency cleanup and holders removal can be compared. Asserted: identical stdout, stderr
 * (debug source locations removed), exit status, {@code delete_module(name, flags)} calls and final fixture, or, for
 * kmod 30's bugs that the chosen policy fixes, exactly the documented difference (docs/tools.md).
 */
class ModprobeSideBySideTest {
    @TempDir
    Path tmp;

    Fixture fx;

    @BeforeEach
    void setUp() throws IOException {
        SideBySide.assumeModprobePeer();
        fx = new Fixture(Files.createDirectories(tmp.resolve("root")));
        // A sound-like stack: soundcore <- snd <- snd_timer <- snd_pcm, and snd_hwdep on snd.
        fx.ko("kernel/sound/kmod4j_soundcore.ko", List.of("kmod4j_sc_sym"), List.of());
        fx.ko("kernel/sound/kmod4j-snd.ko", List.of("kmod4j_snd_sym"), List.of("kmod4j_sc_sym"));
        fx.ko("kernel/sound/kmod4j-snd-timer.ko", List.of("kmod4j_timer_sym"), List.of("kmod4j_snd_sym"));
        fx.ko("kernel/sound/kmod4j-snd-pcm.ko", List.of("kmod4j_pcm_sym"),
                List.of("kmod4j_snd_sym", "kmod4j_timer_sym"));
        fx.ko("kernel/sound/kmod4j-snd-hwdep.ko", List.of(), List.of("kmod4j_snd_sym"));
        // Stand-alone modules, one with an alias, and a pair for soft dependencies (one declared in its modinfo).
        fx.ko("kernel/drivers/kmod4j_dummy.ko", List.of(), List.of(), "alias=kmod4j-dummy-alias-*");
        fx.ko("kernel/drivers/kmod4j_other.ko", List.of(), List.of());
        fx.ko("kernel/drivers/kmod4j_pre.ko", List.of(), List.of());
        fx.ko("kernel/drivers/kmod4j_post.ko", List.of(), List.of());
        fx.ko("kernel/drivers/kmod4j_sd.ko", List.of(), List.of(), "softdep=pre: kmod4j_pre post: kmod4j_post");
        fx.builtinList("kernel/net/kmod4j_builtin.ko");
        if (!fx.depmod()) {
            throw new TestAbortedException("depmod failed on the fixture");
        }
        Files.createDirectories(fx.root.resolve("etc/modprobe.d"));
    }

    /** A live module with these holders and as many references. */
    private void load(String name, String... holders) {
        fx.loaded(name, 16384, holders.length, holders);
    }

    /** The whole sound stack loaded. */
    private void loadSoundStack() {
        load("kmod4j_snd_hwdep");
        load("kmod4j_snd_pcm");
        load("kmod4j_snd_timer", "kmod4j_snd_pcm");
        load("kmod4j_snd", "kmod4j_snd_timer", "kmod4j_snd_pcm", "kmod4j_snd_hwdep");
        load("kmod4j_soundcore", "kmod4j_snd");
    }

    private static List<String> removed(String... names) {
        List<String> calls = new ArrayList<>();
        for (String n : names) {
            calls.add(n + " 0x800");
        }
        return calls;
    }

    private void config(String text) {
        fx.file("etc/modprobe.d/kmod4j.conf", text);
    }

    // ---- kmod 30's messages (docs/tools.md, "Messages (kmod 30's, non-debug form)") ---------------------------

    @Test
    void unusedModuleIsRemovedSilently() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_other");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_dummy").assertSame();
        assertEquals("", p.kmod4j().out() + p.kmod4j().err());
        assertEquals(0, p.kmod4j().status());
        assertEquals(removed("kmod4j_dummy"), p.kmod4j().calls());
        assertTrue(p.kmod4jState().sysModule().toString().contains("kmod4j_other"));
    }

    @Test
    void verboseShowsEachRemovalAndOneLevelOfUnusedDependencies() throws IOException {
        load("kmod4j_snd");
        load("kmod4j_soundcore", "kmod4j_snd");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j-snd").assertSame();
        assertEquals("rmmod kmod4j_snd\nrmmod kmod4j_soundcore\n", p.kmod4j().out());
        assertEquals(removed("kmod4j_snd", "kmod4j_soundcore"), p.kmod4j().calls());
    }

    @Test
    void dependencyCleanupIsRecursiveWhereKmod30StopsAfterOneLevel() throws IOException {
        load("kmod4j_snd_pcm");
        load("kmod4j_snd_timer", "kmod4j_snd_pcm");
        load("kmod4j_snd", "kmod4j_snd_timer", "kmod4j_snd_pcm");
        load("kmod4j_soundcore", "kmod4j_snd");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_snd_pcm");
        // kmod 30 (tools/modprobe.c rmmod_do_module(): a one-level dependency cleanup; docs/tools.md, "Sources"):
        // snd (held by snd_timer when checked) and soundcore stay loaded.
        assertEquals("rmmod kmod4j_snd_pcm\nrmmod kmod4j_snd_timer\n", p.kmod().out());
        assertEquals(removed("kmod4j_snd_pcm", "kmod4j_snd_timer"), p.kmod().calls());
        assertTrue(p.kmodState().procModules().contains("kmod4j_snd "), p.kmodState().procModules());
        // Chosen policy: the whole unused stack goes; the rest is the same.
        assertEquals(p.kmod().out() + "rmmod kmod4j_snd\nrmmod kmod4j_soundcore\n", p.kmod4j().out());
        assertEquals(removed("kmod4j_snd_pcm", "kmod4j_snd_timer", "kmod4j_snd", "kmod4j_soundcore"),
                p.kmod4j().calls());
        assertEquals("", p.kmod4jState().procModules());
        assertEquals(p.kmod().err(), p.kmod4j().err());
        assertEquals(0, p.kmod().status());
        assertEquals(0, p.kmod4j().status());
    }

    @Test
    void notLoadedIsSilentAndFirstTimeMakesItFatal() throws IOException {
        load("kmod4j_soundcore");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_snd", "kmod4j_dummy",
                "kmod4j_soundcore").assertSame();
        assertEquals("rmmod kmod4j_soundcore\n", p.kmod4j().out());
        assertEquals(0, p.kmod4j().status());

        SideBySide.ModprobePair first = SideBySide.modprobe(fx, "-r", "--first-time", "kmod4j_dummy",
                "kmod4j_soundcore").assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_dummy is not in kernel.\n", first.kmod4j().err());
        assertEquals(1, first.kmod4j().status());
        // FATAL ends the run: soundcore, the next argument, is not removed.
        assertEquals(List.of(), first.kmod4j().calls());
    }

    @Test
    void unknownNameIsNotFoundAndEndsTheRun() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_ext"); // loaded, but in no index (an out-of-tree module loaded with insmod)
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_ext", "kmod4j_dummy").assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_ext not found.\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        assertEquals(List.of(), p.kmod4j().calls());
        // modprobe looks names up without cutting at '.': the file name is not a module name.
        assertEquals("modprobe: FATAL: Module kmod4j_dummy.ko not found.\n",
                SideBySide.modprobe(fx, "-r", "kmod4j_dummy.ko").assertSame().kmod4j().err());
        // An unbalanced bracket is an invalid alias: no message, status 1, and the run goes on.
        SideBySide.ModprobePair bad = SideBySide.modprobe(fx, "-r", "kmod4j_[dummy", "kmod4j_dummy").assertSame();
        assertEquals("", bad.kmod4j().err());
        assertEquals(1, bad.kmod4j().status());
        assertEquals(removed("kmod4j_dummy"), bad.kmod4j().calls());
    }

    @Test
    void builtinIsFatalExceptAsASoftDependency() throws IOException {
        load("kmod4j_dummy");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_builtin", "kmod4j_dummy").assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_builtin is builtin.\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        config("softdep kmod4j_dummy post: kmod4j_builtin\n");
        SideBySide.ModprobePair soft = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_dummy").assertSame();
        assertEquals("rmmod kmod4j_dummy\n", soft.kmod4j().out());
        assertEquals(0, soft.kmod4j().status());
    }

    @Test
    void inUseIsFatalEvenWithForce() throws IOException {
        loadSoundStack();
        fx.loaded("kmod4j_dummy", 16384, 2); // references, no holders
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_snd").assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_snd is in use.\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        SideBySide.modprobe(fx, "-r", "-f", "kmod4j_snd").assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_dummy is in use.\n",
                SideBySide.modprobe(fx, "-r", "kmod4j_dummy").assertSame().kmod4j().err());
        assertEquals(List.of(), p.kmod4j().calls());
    }

    @Test
    void forceAddsTruncAndUnloadsAPermanentModule() throws IOException {
        load("kmod4j_dummy");
        fx.procLine("kmod4j_other 16384 0 [permanent], Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_other").initstate("live\n").refcnt("0\n").holders();
        fx.file("proc/sys/kernel/tainted", "0\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-f", "kmod4j_dummy").assertSame();
        assertEquals(List.of("kmod4j_dummy 0xa00"), p.kmod4j().calls());
        SideBySide.ModprobePair perm = SideBySide.modprobe(fx, "-r", "kmod4j_other").assertSame();
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_other': Device or resource busy\n", perm.kmod4j().err());
        SideBySide.ModprobePair forced = SideBySide.modprobe(fx, "-r", "--force", "kmod4j_other").assertSame();
        assertEquals("8", forced.kmod4jState().tainted());
    }

    @Test
    void quietSilencesEveryMessageButNotTheStatusAndAFatalNoLongerEndsTheRun() throws IOException {
        load("kmod4j_dummy");
        fx.loaded("kmod4j_other", 16384, 1);
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-q", "kmod4j_nosuch", "kmod4j_other",
                "kmod4j_builtin", "kmod4j_dummy").assertSame();
        assertEquals("", p.kmod4j().out() + p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        // log_printf() returns before exit() when the message is filtered out, so kmod goes on to the last one.
        assertEquals(removed("kmod4j_dummy"), p.kmod4j().calls());
    }

    @Test
    void dryRunShowsOnlyWithVerboseAndRemovesNothing() throws IOException {
        loadSoundStack();
        load("kmod4j_dummy");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-n", "-v", "kmod4j_snd_pcm", "kmod4j_dummy")
                .assertSame();
        // The dependencies keep their references without a real removal: only the named modules are shown.
        assertEquals("rmmod kmod4j_snd_pcm\nrmmod kmod4j_dummy\n", p.kmod4j().out());
        assertEquals(List.of(), p.kmod4j().calls());
        assertEquals(SideBySide.State.of(fx.root), p.kmod4jState());
        assertEquals("", SideBySide.modprobe(fx, "-r", "--dry-run", "kmod4j_dummy").assertSame().kmod4j().out());
        SideBySide.ModprobePair show = SideBySide.modprobe(fx, "-r", "-D", "kmod4j_snd_pcm", "kmod4j_other")
                .assertSame();
        assertEquals("rmmod kmod4j_snd_pcm\nrmmod kmod4j_other\n", show.kmod4j().out());
    }

    @Test
    void softDependenciesGoPostFirstAndPreLast() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_pre");
        load("kmod4j_post");
        load("kmod4j_other");
        config("softdep kmod4j_dummy pre: kmod4j_other kmod4j_pre post: kmod4j_post\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_dummy").assertSame();
        assertEquals("rmmod kmod4j_post\nrmmod kmod4j_dummy\nrmmod kmod4j_pre\nrmmod kmod4j_other\n",
                p.kmod4j().out());
    }

    @Test
    void softDependenciesFromModulesSoftdepAndPostBeforeTheInUseCheck() throws IOException {
        fx.loaded("kmod4j_sd", 16384, 1);
        load("kmod4j_pre");
        load("kmod4j_post");
        // kmod4j_sd's modinfo says "softdep=pre: kmod4j_pre post: kmod4j_post" (depmod's modules.softdep).
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_sd").assertSame();
        assertEquals("rmmod kmod4j_post\n", p.kmod4j().out());
        assertEquals("modprobe: FATAL: Module kmod4j_sd is in use.\n", p.kmod4j().err());
        assertEquals(removed("kmod4j_post"), p.kmod4j().calls());
    }

    @Test
    void ignoreRemoveSkipsSoftDependenciesAndRemoveCommands() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_post");
        config("softdep kmod4j_dummy post: kmod4j_post\nremove kmod4j_dummy echo not run\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "-i", "kmod4j_dummy").assertSame();
        assertEquals("rmmod kmod4j_dummy\n", p.kmod4j().out());
        SideBySide.modprobe(fx, "-r", "-v", "--ignore-remove", "kmod4j_dummy").assertSame();
    }

    @Test
    void removeCommandRunsThroughTheShellInsteadOfUnloading() throws IOException {
        load("kmod4j_dummy");
        config("remove kmod4j_dummy echo removing $MODPROBE_MODULE$CMDLINE_OPTS; echo to stderr >&2\n"
                + "remove kmod4j_oth* exit 3\n"
                + "remove kmod4j_pre   printf '%s\\n' \"spaces kept\"\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_dummy").assertSame();
        assertEquals("remove echo removing $MODPROBE_MODULE; echo to stderr >&2\nremoving kmod4j_dummy\n",
                p.kmod4j().out());
        assertEquals("to stderr\n", p.kmod4j().err());
        assertEquals(List.of(), p.kmod4j().calls());
        assertTrue(p.kmod4jState().procModules().contains("kmod4j_dummy"), "the command did not unload it");

        SideBySide.ModprobePair failing = SideBySide.modprobe(fx, "-r", "kmod4j_other", "kmod4j_dummy").assertSame();
        assertEquals("modprobe: FATAL: Error running remove command for kmod4j_other\n", failing.kmod4j().err());
        assertEquals(1, failing.kmod4j().status());
        SideBySide.modprobe(fx, "-r", "-n", "-v", "kmod4j_dummy", "kmod4j_pre").assertSame();
        SideBySide.modprobe(fx, "-r", "-v", "kmod4j_pre").assertSame();
    }

    @Test
    void removeHoldersRemovesHoldersFirst() throws IOException {
        load("kmod4j_other");
        load("kmod4j_pre");
        load("kmod4j_dummy", "kmod4j_other", "kmod4j_pre"); // holders without a modules.dep relation
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "--remove-holders", "kmod4j_dummy")
                .assertSame();
        // Holders go last to first in the directory order of holders/ (the same on both copies), then the module.
        assertTrue(p.kmod4j().out().matches("rmmod kmod4j_(other|pre)\nrmmod kmod4j_(other|pre)\nrmmod kmod4j_dummy\n"),
                p.kmod4j().out());
        assertEquals(3, p.kmod4j().calls().stream().distinct().count());
        assertEquals(0, p.kmod4j().status());
        assertEquals("", p.kmod4jState().procModules());
    }

    @Test
    void removeHoldersDoesNotRemoveAModuleTwice() throws IOException {
        load("kmod4j_snd_pcm");
        load("kmod4j_snd_timer", "kmod4j_snd_pcm");
        load("kmod4j_snd", "kmod4j_snd_timer", "kmod4j_snd_pcm");
        load("kmod4j_soundcore", "kmod4j_snd");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "--remove-holders", "kmod4j_snd_timer");
        // kmod 30 (the double removal, fixed in kmod master 327c587; docs/tools.md, "Sources"):
        // snd_timer goes as an unused dependency of snd_pcm, then is removed again.
        assertEquals("rmmod kmod4j_snd_pcm\nrmmod kmod4j_snd_timer\nrmmod kmod4j_snd_timer\n", p.kmod().out());
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_snd_timer': No such file or directory\n",
                p.kmod().err());
        assertEquals(1, p.kmod().status());
        assertEquals(removed("kmod4j_snd_pcm", "kmod4j_snd_timer", "kmod4j_snd_timer"), p.kmod().calls());
        // Chosen policy: no second delete_module; and the recursive cleanup takes snd and soundcore as well.
        assertEquals("rmmod kmod4j_snd_pcm\nrmmod kmod4j_snd_timer\nrmmod kmod4j_snd\nrmmod kmod4j_soundcore\n",
                p.kmod4j().out());
        assertEquals("", p.kmod4j().err());
        assertEquals(0, p.kmod4j().status());
        assertEquals(removed("kmod4j_snd_pcm", "kmod4j_snd_timer", "kmod4j_snd", "kmod4j_soundcore"),
                p.kmod4j().calls());
    }

    @Test
    void removeHoldersTakesAModuleWithoutRefcntAsGoneAsKmodMasterDoes() throws IOException {
        // A kernel without module unloading: no refcnt file, "-" in the refcount column, delete_module is ENOSYS.
        fx.procLine("kmod4j_dummy 16384 - - Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_dummy").initstate("live\n").holders();
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "--remove-holders", "kmod4j_dummy");
        assertEquals("rmmod kmod4j_dummy\n", p.kmod().out());
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_dummy': Function not implemented\n", p.kmod().err());
        assertEquals(1, p.kmod().status());
        // Decided policy (kmod master 327c587's side effect, docs/tools.md): skipped silently, status 0.
        assertEquals("", p.kmod4j().out() + p.kmod4j().err());
        assertEquals(0, p.kmod4j().status());
        assertEquals(List.of(), p.kmod4j().calls());
        assertEquals(p.kmodState(), p.kmod4jState());
        // Without --remove-holders both go on to the syscall, as kmod 30.
        SideBySide.modprobe(fx, "-r", "-v", "kmod4j_dummy").assertSame();
    }

    @Test
    void removeHoldersGoesOneLevelDeep() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_snd_hwdep", "kmod4j_dummy"); // a holder that is itself held
        load("kmod4j_snd", "kmod4j_snd_hwdep");
        load("kmod4j_soundcore", "kmod4j_snd");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "--remove-holders", "kmod4j_snd")
                .assertSame();
        assertEquals("modprobe: FATAL: Module kmod4j_snd_hwdep is in use.\n", p.kmod4j().err());
        assertEquals(List.of(), p.kmod4j().calls());
    }

    @Test
    void allTurnsNotFoundIntoAWarningAndGoesOn() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_other");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-a", "kmod4j_nosuch", "kmod4j_dummy",
                "kmod4j-other").assertSame();
        assertEquals("modprobe: WARNING: Module kmod4j_nosuch not found.\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        assertEquals(removed("kmod4j_dummy", "kmod4j_other"), p.kmod4j().calls());
        SideBySide.modprobe(fx, "-ra", "kmod4j_builtin", "kmod4j_other").assertSame();
    }

    @Test
    void waitTimeoutIsAnErrorWhereKmod30ReportsSuccess() throws IOException {
        fx.loaded("kmod4j_dummy", 16384, 1);
        load("kmod4j_other");
        // A module that can go at once: no wait, the same for both.
        SideBySide.modprobe(fx, "-r", "-v", "--wait=5000", "kmod4j_other").assertSame();
        // -w 0 is no wait: the usual refcount check.
        assertEquals("modprobe: FATAL: Module kmod4j_dummy is in use.\n",
                SideBySide.modprobe(fx, "-r", "-w", "0", "kmod4j_dummy").assertSame().kmod4j().err());
        assertEquals("modprobe: ERROR: unexpected wait value '12ms'.\n",
                SideBySide.modprobe(fx, "-r", "-w", "12ms", "kmod4j_dummy").assertSame().kmod4j().err());
        SideBySide.modprobe(fx, "-r", "-w", "", "kmod4j_dummy").assertSame();
        SideBySide.modprobe(fx, "-r", "-w", "0x", "kmod4j_dummy").assertSame();

        SideBySide.ModprobePair p;
        try {
            p = SideBySide.modprobe(fx, "-r", "-v", "-w", "300", "kmod4j_dummy");
        } catch (KmodPeer.TimedOut e) {
            // kmod 30's get_backoff_delta_msec() never returns once the deadline has passed between two retries
            // (kmod pull request 377; docs/tools.md): on a loaded machine its -w can spin forever. kmod4j's side is
            // still checked, alone; there is no kmod result to compare it with.
            Fixture alone = fx.copyTo(fx.root.resolveSibling("kmod4j-alone"));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int status = Main.run(new String[] {"modprobe", "--root", alone.root.toString(), "-r", "-v",
                    "-w", "300", "kmod4j_dummy"}, new PrintWriter(out, true), new PrintWriter(err, true));
            assertEquals("rmmod kmod4j_dummy\n", out.toString());
            assertEquals("modprobe: ERROR: could not remove 'kmod4j_dummy': Resource temporarily unavailable\n",
                    err.toString());
            assertEquals(1, status);
            throw new TestAbortedException("kmod 30's modprobe -w looped past its deadline (its "
                    + "get_backoff_delta_msec bug, kmod pull request 377) and was killed: " + e.getMessage()
                    + "; kmod4j's side was checked alone");
        }
        // kmod 30 (success on timeout, fixed in kmod master 2537c17; docs/tools.md, "Sources"):
        // retried until the deadline, then success, module still loaded.
        assertEquals("rmmod kmod4j_dummy\n", p.kmod().out());
        assertEquals("", p.kmod().err());
        assertEquals(0, p.kmod().status());
        // Chosen policy (kmod master 2537c17): the timeout is an error.
        assertEquals("rmmod kmod4j_dummy\n", p.kmod4j().out());
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_dummy': Resource temporarily unavailable\n",
                p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        // Both tried more than once, always the same call; kmod4j retries when the refcount drops (polled), kmod 30
        // on a doubling back-off, so the number of tries differs.
        assertTrue(p.kmod().calls().size() >= 2, p.kmod().calls().toString());
        assertTrue(p.kmod4j().calls().size() >= 2, p.kmod4j().calls().toString());
        assertEquals(List.of("kmod4j_dummy 0x800"), p.kmod().calls().stream().distinct().toList());
        assertEquals(List.of("kmod4j_dummy 0x800"), p.kmod4j().calls().stream().distinct().toList());
        assertEquals(p.kmodState(), p.kmod4jState());
    }

    @Test
    void failedSyscallIsReportedByLibkmod() throws IOException {
        fx.inState("going", "kmod4j_dummy", 16384, -1);
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_dummy").assertSame();
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_dummy': Device or resource busy\n", p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        // No refcnt file (a kernel without module unloading): no check, the syscall decides.
        fx.procLine("kmod4j_other 16384 - - Live 0xffffffffc0a00000");
        fx.sysfs("kmod4j_other").initstate("live\n").holders();
        SideBySide.ModprobePair nounload = SideBySide.modprobe(fx, "-r", "kmod4j_other").assertSame();
        assertEquals("modprobe: ERROR: could not remove 'kmod4j_other': Function not implemented\n",
                nounload.kmod4j().err());
    }

    @Test
    void usageErrorsHelpAndVersion() throws IOException {
        assertEquals("modprobe: ERROR: missing parameters. See -h.\n",
                SideBySide.modprobe(fx).assertSame().kmod4j().err());
        SideBySide.modprobe(fx, "-r").assertSame();
        SideBySide.modprobe(fx, "-r", "-q").assertSame();
        assertEquals("modprobe: unrecognized option '--bogus'\n",
                SideBySide.modprobe(fx, "-r", "--bogus", "kmod4j_dummy").assertSame().kmod4j().err());
        SideBySide.modprobe(fx, "-r", "-x", "kmod4j_dummy").assertSame();
        SideBySide.modprobe(fx, "-r", "--sho", "kmod4j_dummy").assertSame();
        SideBySide.modprobe(fx, "-r", "--wait").assertSame();
        SideBySide.modprobe(fx, "-r", "--all=1", "kmod4j_dummy").assertSame();
        SideBySide.ModprobePair help = SideBySide.modprobe(fx, "-h").assertSameHelp(Kmod4jHelp.modprobe());
        assertTrue(help.kmod4j().out().startsWith("Usage:\n\tmodprobe [options] [-i] [-b] modulename\n"));
        SideBySide.modprobe(fx, "-r", "kmod4j_dummy", "--help").assertSameHelp(Kmod4jHelp.modprobe());
        SideBySide.ModprobePair version = SideBySide.modprobe(fx, "-V");
        assertEquals(version.kmod().out().lines().findFirst(), version.kmod4j().out().lines().findFirst());
        assertEquals(0, version.kmod4j().status());
        load("kmod4j_dummy");
        // Abbreviations: --remove-d is --remove-dependencies, the old name of --remove-holders.
        SideBySide.modprobe(fx, "--remov", "--remove-d", "--verb", "kmod4j_dummy", "--", "-x").assertSame();
    }

    @Test
    void loadingIsNotSupported() throws IOException {
        load("kmod4j_other");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-n", "-v", "kmod4j_dummy");
        // kmod 30 would insert (here: a dry run, so only shown).
        assertTrue(p.kmod().out().startsWith("insmod /lib/modules/" + Fixture.release()
                + "/kernel/drivers/kmod4j_dummy.ko"), p.kmod().out());
        assertEquals(0, p.kmod().status());
        assertEquals("", p.kmod4j().out());
        assertEquals("modprobe: ERROR: kmod4j: modprobe only removes modules (-r); loading is not supported.\n",
                p.kmod4j().err());
        assertEquals(1, p.kmod4j().status());
        assertEquals(p.kmod().calls(), p.kmod4j().calls());

        // --remove-holders without -r: kmod 30 loads; kmod4j removes (as kmod master, 15edeed).
        SideBySide.ModprobePair holders = SideBySide.modprobe(fx, "--remove-holders", "-n", "-v", "kmod4j_other");
        assertEquals("", holders.kmod().out());
        assertEquals(0, holders.kmod().status());
        assertEquals("rmmod kmod4j_other\n", holders.kmod4j().out());
        assertEquals(0, holders.kmod4j().status());
        SideBySide.ModprobePair showconfig = SideBySide.modprobe(fx, "-r", "-c");
        assertTrue(showconfig.kmod().out().contains("# End of configuration files. Dumping indexes now:"));
        assertEquals("modprobe: ERROR: kmod4j: modprobe only removes modules (-r); --showconfig is not supported.\n",
                showconfig.kmod4j().err());
        assertEquals(1, showconfig.kmod4j().status());
    }

    @Test
    void softDependencyCycleIsNotFollowedAround() throws IOException {
        load("kmod4j_pre");
        load("kmod4j_post");
        config("softdep kmod4j_pre post: kmod4j_post\nsoftdep kmod4j_post post: kmod4j_pre\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_pre");
        // kmod 30 recurses until the stack runs out (no cycle guard in tools/modprobe.c rmmod_do_module(); docs/tools.md, "Sources"):
        // killed by SIGSEGV, nothing removed.
        assertTrue(p.kmod().status() > 128, "kmod status " + p.kmod().status());
        assertEquals(List.of(), p.kmod().calls());
        // kmod4j: a module being processed is not entered again.
        assertEquals("rmmod kmod4j_post\nrmmod kmod4j_pre\n", p.kmod4j().out());
        assertEquals("", p.kmod4j().err());
        assertEquals(0, p.kmod4j().status());
        assertEquals(removed("kmod4j_post", "kmod4j_pre"), p.kmod4j().calls());
    }

    @Test
    void aliasesResolveThroughConfigurationAndModulesAlias() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_other");
        config("alias kmod4j-cfg-alias kmod4j-other\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-v", "kmod4j_cfg_alias",
                "kmod4j-dummy-alias-foo").assertSame();
        assertEquals("rmmod kmod4j_other\nrmmod kmod4j_dummy\n", p.kmod4j().out());
        // symbol:NAME goes through modules.symbols.bin.
        load("kmod4j_soundcore");
        assertEquals("rmmod kmod4j_soundcore\n",
                SideBySide.modprobe(fx, "-r", "-v", "symbol:kmod4j_sc_sym").assertSame().kmod4j().out());
        // A name only known from an install command is found too (and not loaded: nothing to do).
        config("install kmod4j_virtual /bin/true\n");
        assertEquals("", SideBySide.modprobe(fx, "-r", "-v", "kmod4j_virtual").assertSame().kmod4j().err());
    }

    @Test
    void configurationErrorsAreReportedByLibkmodsDefaultLogger() throws IOException {
        load("kmod4j_dummy");
        config("# a comment\n\nbogus line\n  # indented comment\ninclude /etc/other.conf\nalias onlyone\n"
                + "remove kmod4j_dummy\nsoftdep kmod4j-[dummy pre: x\nremove kmod4j_x echo \\\ncontinued\n"
                + "blacklist kmod4j_dummy\noptions kmod4j_dummy a=1\n\tsoftdep\tkmod4j_zzz\tpre:\n");
        Files.createDirectories(fx.root.resolve("etc/modprobe.d/sub.conf"));
        fx.file("etc/modprobe.d/.hidden.conf", "bogus\n");
        fx.file("etc/modprobe.d/notes.txt", "bogus\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "-q", "kmod4j_dummy").assertSame();
        assertTrue(p.kmod4j().err().startsWith(
                "libkmod: conf_files_filter_out: Directories inside directories are not supported: "
                        + "/etc/modprobe.d/sub.conf\n"), p.kmod4j().err());
        assertTrue(p.kmod4j().err().contains("libkmod: kmod_config_parse: /etc/modprobe.d/kmod4j.conf line 3: "
                + "ignoring bad line starting with 'bogus'\n"), p.kmod4j().err());
        assertEquals(removed("kmod4j_dummy"), p.kmod4j().calls());
    }

    @Test
    void configurationFilesAreReadInNameOrderAcrossDirectoriesAndDashCReplacesThem() throws IOException {
        load("kmod4j_dummy");
        fx.file("etc/modprobe.d/50-a.conf", "remove kmod4j_dummy echo etc-50\n");
        fx.file("lib/modprobe.d/50-a.conf", "remove kmod4j_dummy echo lib-50-hidden\n");
        fx.file("lib/modprobe.d/40-b.conf", "remove kmod4j_dummy echo lib-40\n");
        fx.file("run/modprobe.d/45-c.conf", "remove kmod4j_dummy echo run-45\n");
        fx.file("usr/local/lib/modprobe.d/30-d.alias", "bogus\n");
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, "-r", "kmod4j_dummy").assertSame();
        assertEquals("lib-40\n", p.kmod4j().out());
        assertEquals("libkmod: kmod_config_parse: /usr/local/lib/modprobe.d/30-d.alias line 1: "
                + "ignoring bad line starting with 'bogus'\n", p.kmod4j().err());

        Path own = Files.createDirectories(tmp.resolve("own"));
        Files.writeString(own.resolve("mine.conf"), "remove kmod4j_dummy echo dash-C\n");
        SideBySide.ModprobePair c = SideBySide.modprobe(fx, "-r", "-C", own.resolve("mine.conf").toString(),
                "kmod4j_dummy").assertSame();
        assertEquals("dash-C\n", c.kmod4j().out());
        SideBySide.modprobe(fx, "-r", "--config=" + own, "kmod4j_dummy").assertSame();
    }

    @Test
    void modprobeOptionsFromTheEnvironmentComeFirstAndReachRemoveCommands() throws IOException {
        load("kmod4j_dummy");
        load("kmod4j_other");
        config("remove kmod4j_other echo \"options: $MODPROBE_OPTIONS\"\n");
        // The words come first: "-v", then 'kmod4j_dummy' (quotes removed), then the command line.
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, Map.of("MODPROBE_OPTIONS", "-v 'kmod4j_dummy'"),
                Path.of("/"), null, "-r", "kmod4j_other").assertSame();
        assertEquals("rmmod kmod4j_dummy\nremove echo \"options: $MODPROBE_OPTIONS\"\n"
                + "options: -v 'kmod4j_dummy' -v\n", p.kmod4j().out());
        // Two spaces make an empty word (an empty module name), and -q after -v silences again.
        SideBySide.ModprobePair q = SideBySide.modprobe(fx, Map.of("MODPROBE_OPTIONS", "-v  -q -a"), Path.of("/"),
                null, "-r", "kmod4j_other").assertSame();
        assertEquals("options: -v  -q -a -v -q\n", q.kmod4j().out());
        assertEquals(1, q.kmod4j().status());
        // A quoted word ends at its quote, so the space after it also makes an empty word: "Module  not found."
        SideBySide.ModprobePair quoted = SideBySide.modprobe(fx, Map.of("MODPROBE_OPTIONS", "'-a' -v"), Path.of("/"),
                null, "-r", "kmod4j_dummy").assertSame();
        assertEquals("modprobe: WARNING: Module  not found.\n", quoted.kmod4j().err());
        assertEquals("rmmod kmod4j_dummy\n", quoted.kmod4j().out());
    }

    @Test
    void dirnameAndSetVersionChooseTheModuleDirectory() throws IOException {
        load("kmod4j_dummy");
        // -S: another release under the same root; its index knows kmod4j_other only.
        Path other = fx.root.resolve("lib/modules/9.9.9-kmod4j/kernel");
        Files.createDirectories(other);
        Files.copy(fx.moduleDir().resolve("kernel/drivers/kmod4j_other.ko"), other.resolve("kmod4j_other.ko"));
        Process depmod = new ProcessBuilder("depmod", "-b", fx.root.toString(), "9.9.9-kmod4j")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            assertEquals(0, depmod.waitFor());
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
        assertEquals("modprobe: FATAL: Module kmod4j_dummy not found.\n",
                SideBySide.modprobe(fx, "-r", "-S", "9.9.9-kmod4j", "kmod4j_dummy").assertSame().kmod4j().err());
        // -d: a root of the user's file system (not the fixture's), here the original fixture tree.
        SideBySide.ModprobePair d = SideBySide.modprobe(fx, "-r", "-v", "-d", fx.root.toString(), "kmod4j_dummy")
                .assertSame();
        assertEquals("rmmod kmod4j_dummy\n", d.kmod4j().out());
        SideBySide.modprobe(fx, "-r", "-d", tmp.resolve("nowhere").toString(), "kmod4j_dummy").assertSame();
    }

    @Test
    void syslogGetsTheMessages() throws IOException {
        load("kmod4j_dummy");
        SideBySide.CapturingSyslog log = new SideBySide.CapturingSyslog();
        SideBySide.ModprobePair p = SideBySide.modprobe(fx, Map.of(), Path.of("/"), log, "-r", "-s", "-v",
                "kmod4j_nosuch");
        p.assertSame();
        assertEquals("", p.kmod4j().err());
        assertEquals(List.of("<2>FATAL: Module kmod4j_nosuch not found.\n"), log.messages);
        assertEquals("modprobe", log.ident);
        assertNotEquals(0, p.kmod4j().status());
    }
}
