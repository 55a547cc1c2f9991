package org.kmod4j.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.SimulatedKernel;

/** The library's removal rules, on a simulated kernel: each {@link Reason} as the kernel and kmod give it. */
class RemovalRulesTest {

    /** core <- mid <- top (top uses mid, mid uses core), a permanent module, a spare one, a builtin. */
    static SimulatedKernel stack() {
        SimulatedKernel kernel = SimulatedKernel.builder()
                .module(ModuleImage.builder("core").exports("core_sym").build())
                .module(ModuleImage.builder("mid").uses("core_sym").exports("mid_sym").build())
                .module(ModuleImage.builder("top").uses("mid_sym").build())
                .module(ModuleImage.builder("noexit").exit(null).build())
                .module(ModuleImage.builder("spare").build())
                .builtin(new org.kmod4j.sim.BuiltinModule(org.kmod4j.api.ModuleName.of("ext4"), false, List.of()))
                .build();
        for (String m : List.of("core", "mid", "top", "noexit", "spare")) {
            assertTrue(kernel.loadModule(m, "").isOk(), m);
        }
        return kernel;
    }

    private static List<String> reasons(Removal r) {
        return r.steps().stream().map(s -> s.module() + ":" + s.reason()).toList();
    }

    @Test
    void modprobeSemanticsRemovesTheModuleThenTheDependenciesItLeftUnusedInOrder() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove("top", RemoveOptions.modprobe().build());
        assertEquals(List.of("top:REMOVED", "mid:REMOVED", "core:REMOVED"), reasons(r));
        assertEquals(List.of(Step.Role.ARGUMENT, Step.Role.DEPENDENCY, Step.Role.DEPENDENCY),
                r.steps().stream().map(Step::role).toList());
        assertTrue(r.succeeded());
        assertTrue(r.absent());
        assertEquals(Module.State.NOT_LOADED, kmod.module("mid").state());
    }

    @Test
    void rmmodSemanticsRemovesExactlyTheModuleNamed() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove("top", RemoveOptions.rmmod().build());
        assertEquals(List.of("top:REMOVED"), reasons(r));
        assertEquals(Module.State.LIVE, kmod.module("mid").state());
        Step.Syscall call = r.steps().getFirst().syscall();
        assertEquals(2048, call.flags(), "rmmod always passes O_NONBLOCK");
        assertEquals("OK", call.result());
    }

    @Test
    void aModuleThatIsNotLoadedIsAbsentIdempotentlyForModprobeButAFailureForRmmod() {
        Kmod kmod = Kmod.simulator(stack());
        Removal first = kmod.remove("spare", RemoveOptions.modprobe().build());
        Removal again = kmod.remove("spare", RemoveOptions.modprobe().build());
        assertTrue(first.absent() && again.absent());
        assertTrue(again.succeeded());
        assertEquals(List.of("spare:NOT_LOADED"), reasons(again));

        Removal rmmod = kmod.remove("spare", RemoveOptions.rmmod().build());
        assertFalse(rmmod.succeeded());
        assertTrue(rmmod.absent(), "not loaded is still absent");
        assertTrue(rmmod.steps().getFirst().failed());

        Removal strict = kmod.remove("spare", RemoveOptions.modprobe().requireLoaded().build());
        assertFalse(strict.succeeded(), "--first-time makes it a failure");
    }

    @Test
    void aModuleWithHoldersIsRefusedBeforeTheSyscallWithTheHoldersNamed() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove("core", RemoveOptions.rmmod().build());
        Step s = r.steps().getFirst();
        assertEquals(Reason.IN_USE_BY_HOLDERS, s.reason());
        assertEquals(List.of("mid"), s.holders());
        assertEquals(null, s.syscall(), "refused before delete_module");
        assertFalse(r.absent());
    }

    @Test
    void aCountAboveZeroIsInUseWithTheCountAndForceRemovesItAnyway() {
        SimulatedKernel kernel = stack();
        ModuleReference ref = kernel.tryModuleGet("spare").orElseThrow();
        Kmod kmod = Kmod.simulator(kernel);
        Step refused = kmod.remove("spare", RemoveOptions.modprobe().build()).steps().getFirst();
        assertEquals(Reason.IN_USE, refused.reason());
        assertEquals(1, refused.refcount());

        Removal forced = kmod.remove("spare", RemoveOptions.rmmod().force().build());
        assertEquals(List.of("spare:REMOVED"), reasons(forced));
        assertEquals(2048 | 512, forced.steps().getFirst().syscall().flags(), "O_NONBLOCK|O_TRUNC");
        ref.release();
    }

    @Test
    void aBuiltinModuleIsReportedAsBuiltinNotAsMissing() {
        Kmod kmod = Kmod.simulator(stack());
        assertEquals(Module.State.BUILTIN, kmod.module("ext4").state());
        Removal r = kmod.remove("ext4", RemoveOptions.modprobe().build());
        assertEquals(List.of("ext4:BUILTIN"), reasons(r));
        assertFalse(r.succeeded());
        assertFalse(r.absent());
    }

    @Test
    void aModuleWithoutExitFunctionIsPermanentWhenTheKernelRefusesIt() {
        Kmod kmod = Kmod.simulator(stack());
        assertEquals(Boolean.TRUE, kmod.module("noexit").permanent());
        Step s = kmod.remove("noexit", RemoveOptions.modprobe().build()).steps().getFirst();
        assertEquals(Reason.PERMANENT, s.reason());
        assertEquals(Errno.EBUSY, s.syscall().error());
    }

    @Test
    void modulesDisabledIsToldApartFromMissingPrivilege() {
        SimulatedKernel kernel = stack();
        assertTrue(kernel.setModulesDisabled(1).isOk());
        Step s = Kmod.simulator(kernel).remove("spare", RemoveOptions.rmmod().build()).steps().getFirst();
        assertEquals(Reason.MODULES_DISABLED, s.reason());
        assertEquals(Errno.EPERM, s.syscall().error());
    }

    @Test
    void aWaitThatRunsOutIsTimedOutAndTheProgressCallbackEnds() {
        SimulatedKernel kernel = stack();
        ModuleReference ref = kernel.tryModuleGet("spare").orElseThrow();
        List<Boolean> ends = Collections.synchronizedList(new ArrayList<>());
        RemovalListener listener = new RemovalListener() {
            @Override
            public void waiting(String module, Duration waited, Duration timeout, boolean ended) {
                ends.add(ended);
            }
        };
        Removal r = Kmod.simulator(kernel).remove("spare",
                RemoveOptions.modprobe().waitUpTo(Duration.ofSeconds(3)).listener(listener).build());
        Step s = r.steps().getFirst();
        assertEquals(Reason.TIMED_OUT, s.reason());
        assertEquals(Duration.ofSeconds(3), s.waitTimeout());
        assertEquals(List.of(true), ends.subList(ends.size() - 1, ends.size()), "the last call says the wait ended");
        ref.release();
    }

    @Test
    void anOrderedListIsRemovedInTheOrderGivenSoUsersGoFirst() {
        Kmod kmod = Kmod.simulator(stack());
        Removal wrongOrder = kmod.remove(List.of("mid", "top"), RemoveOptions.rmmod().build());
        assertEquals(List.of("mid:IN_USE_BY_HOLDERS", "top:REMOVED"), reasons(wrongOrder));
        assertEquals(List.of(Removal.Status.FAILED, Removal.Status.DONE),
                wrongOrder.arguments().stream().map(Removal.Argument::status).toList());

        Kmod fresh = Kmod.simulator(stack());
        Removal rightOrder = fresh.remove(List.of("top", "mid"), RemoveOptions.rmmod().build());
        assertTrue(rightOrder.succeeded());
    }

    @Test
    void withHoldersRemovesTheModulesHoldingTheArgumentFirstOneLevelDeepAsKmodDoes() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove("mid", RemoveOptions.modprobe().withHolders().build());
        // the holder's removal frees mid and core (its unused dependencies); the argument is then already gone
        assertEquals(List.of("top:REMOVED", "mid:REMOVED", "core:REMOVED", "mid:ALREADY_REMOVED"), reasons(r));
        assertEquals(List.of(Step.Role.HOLDER, Step.Role.DEPENDENCY, Step.Role.DEPENDENCY, Step.Role.ARGUMENT),
                r.steps().stream().map(Step::role).toList());
        assertTrue(r.absent());

        // a holder's own holders are not removed (kmod's rmmod_do_modlist() passes no REMOVE_HOLDERS down)
        Removal deep = Kmod.simulator(stack()).remove("core", RemoveOptions.modprobe().withHolders().build());
        assertEquals(List.of("mid:IN_USE"), reasons(deep));
        assertFalse(deep.succeeded());
    }

    @Test
    void aDryRunChangesNothingAndSaysWhatWouldBeRemoved() throws Exception {
        SimulatedKernel kernel = stack();
        String before = kernel.readFile("/proc/modules");
        Removal r = Kmod.simulator(kernel).remove("top", RemoveOptions.modprobe().dryRun().build());
        assertEquals("top:WOULD_REMOVE", reasons(r).getFirst());
        assertTrue(r.dryRun());
        assertFalse(r.absent(), "nothing was removed");
        assertEquals(before, kernel.readFile("/proc/modules"));
    }

    @Test
    void anUnknownNameIsNotFoundAndABadAliasIsAnInvalidName() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove(List.of("nosuch", "bad]alias"), RemoveOptions.modprobe().build());
        assertEquals(List.of(Removal.Status.NOT_FOUND, Removal.Status.INVALID_NAME),
                r.arguments().stream().map(Removal.Argument::status).toList());
        assertThrows(IllegalArgumentException.class, () -> kmod.lookup("bad]alias"));
    }

    @Test
    void stopAtFatalLeavesLaterArgumentsNotProcessed() {
        Kmod kmod = Kmod.simulator(stack());
        Removal r = kmod.remove(List.of("nosuch", "spare"), RemoveOptions.modprobe().stopAtFatal(true).build());
        assertEquals(List.of(Removal.Status.NOT_FOUND, Removal.Status.NOT_PROCESSED),
                r.arguments().stream().map(Removal.Argument::status).toList());
        assertEquals(Module.State.LIVE, kmod.module("spare").state());
    }

    @Test
    void aModuleReportsItsStateCountHoldersAndDependencies() {
        Kmod kmod = Kmod.simulator(stack());
        Module core = kmod.module("core");
        assertEquals(Module.State.LIVE, core.state());
        assertEquals(1, core.refcount());
        assertEquals(List.of("mid"), core.holders());
        assertEquals(List.of("core", "mid"), kmod.module("top").dependencies());
        assertEquals(Module.State.NOT_LOADED, kmod.module("nosuch").state());
        assertEquals(List.of("spare", "noexit", "top", "mid", "core"),
                kmod.loaded().stream().map(Module::name).toList(), "/proc/modules order, newest first");
    }

    @Test
    void lookupFindsAModuleByNameByDashedNameAndByTheBasenameOfItsFile() {
        Kmod kmod = Kmod.simulator(stack());
        for (String given : List.of("top", "kernel/top.ko", "/lib/modules/6.1.192/kernel/top.ko.xz")) {
            assertEquals(List.of("top"), kmod.lookup(given).stream().map(Module::name).toList(), given);
        }
        assertEquals(List.of(), kmod.lookup("nosuch"));
    }

    @Test
    void lookupResolvesAModprobeDAliasOnAFixtureWithoutChangingIt() {
        Kmod kmod = Kmod.fixture(LibraryReadmeExampleTest.example("fixture"));
        List<Module> found = kmod.lookup("sound-card");   // etc/modprobe.d/example.conf: alias sound-card snd_hda_intel
        assertEquals(List.of("snd_hda_intel"), found.stream().map(Module::name).toList());
        assertEquals(Module.State.LIVE, found.getFirst().state());
        // modules.dep's line, in load order (the line reversed, as libkmod gives it)
        assertEquals(List.of("soundcore", "snd", "snd_timer", "snd_pcm"),
                kmod.module("snd_hda_intel").dependencies());
    }

    @Test
    void optionsOfModprobeSemanticsAreRefusedForRmmodSemantics() {
        assertThrows(IllegalStateException.class, () -> RemoveOptions.rmmod().withHolders());
        assertThrows(IllegalArgumentException.class, () -> RemoveOptions.modprobe().waitUpTo(Duration.ofSeconds(-1)));
    }

    @Test
    void ebusyForAModuleGoneByTheTimeItIsReadIsBeingUnloadedByAnotherCaller() {
        // the race of the test below, made certain: the other caller's delete_module ends between this caller's
        // EBUSY and its reading /proc/modules
        SimulatedKernel kernel = stack();
        Kmod kmod = Kmod.of(new org.kmod4j.api.ForwardingModuleSubsystem(kernel) {
            @Override
            public org.kmod4j.api.SyscallResult deleteModule(org.kmod4j.api.UserString name, int flags) {
                assertTrue(kernel.deleteModule(name.toString(), flags).isOk(), "the other caller removes it");
                return org.kmod4j.api.SyscallResult.failed(Errno.EBUSY);
            }
        });
        Step s = kmod.remove("spare", RemoveOptions.rmmod().build()).steps().getFirst();
        assertEquals(Errno.EBUSY, s.syscall().error());
        assertEquals(Reason.BEING_UNLOADED, s.reason());
    }

    @Test
    void concurrentRemovalsOfOneModuleRemoveItExactlyOnceAndTellTheOtherCallerWhy() throws Exception {
        for (int round = 0; round < 20; round++) {
            Kmod kmod = Kmod.simulator(stack());
            CyclicBarrier barrier = new CyclicBarrier(2);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                List<Future<Removal>> both = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    both.add(pool.submit(() -> {
                        barrier.await();
                        return kmod.remove("spare", RemoveOptions.modprobe().build());
                    }));
                }
                List<Reason> seen = new ArrayList<>();
                for (Future<Removal> f : both) {
                    Removal r = f.get();
                    assertEquals(1, r.steps().size(), reasons(r).toString());
                    seen.add(r.steps().getFirst().reason());
                }
                assertEquals(1, Collections.frequency(seen, Reason.REMOVED), "exactly one caller removes it: " + seen);
                // the other one found it gone, or still GOING under the first one's delete_module
                assertTrue(seen.contains(Reason.NOT_LOADED) || seen.contains(Reason.BEING_UNLOADED), seen.toString());
                assertEquals(Module.State.NOT_LOADED, kmod.module("spare").state());
            }
        }
    }
}
