package org.kmod4j.modules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ForwardingModuleSubsystem;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.KernelConfig;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.sim.Task;

/**
 * Each {@link Reason}: the state in which a removal meets it, {@link Kmod#explain}'s prediction of that removal, and
 * the removal itself on an identical fresh state, which must make the calls the plan predicted. The reasons explain
 * cannot give say why.
 */
class ExplainReasonsTest {
    @TempDir
    Path tmp;

    /** Opens a fresh target in the state a case needs; called once for explain and once for the removal. */
    private interface Target {
        Kmod open() throws IOException;
    }

    private interface Check {
        void run() throws IOException;
    }

    @ParameterizedTest
    @EnumSource(Reason.class)
    void explainGivesTheReasonTheRemovalThenMeets(Reason reason) throws IOException {
        // a switch expression: a Reason added later does not compile until it has a case here
        Check check = switch (reason) {
            case REMOVED -> ExplainReasonsTest::removed;
            case WOULD_REMOVE -> ExplainReasonsTest::wouldRemove;
            case ALREADY_REMOVED -> ExplainReasonsTest::alreadyRemoved;
            case NOT_LOADED -> ExplainReasonsTest::notLoaded;
            case NOT_FOUND -> ExplainReasonsTest::notFound;
            case INVALID_NAME -> ExplainReasonsTest::invalidName;
            case BAD_ARGUMENT -> this::badArgument;
            case BUILTIN -> ExplainReasonsTest::builtin;
            case IN_USE_BY_HOLDERS -> ExplainReasonsTest::inUseByHolders;
            case IN_USE -> this::inUse;
            case TIMED_OUT -> this::timedOut;
            case UNLOADING_NOT_SUPPORTED -> ExplainReasonsTest::unloadingNotSupported;
            case BEING_UNLOADED -> ExplainReasonsTest::beingUnloaded;
            case NOT_LIVE -> ExplainReasonsTest::notLive;
            case PERMANENT -> ExplainReasonsTest::permanent;
            case REFCOUNT_UNREADABLE -> this::refcountUnreadable;
            case NO_PRIVILEGE -> ExplainReasonsTest::noPrivilege;
            case MODULES_DISABLED -> this::modulesDisabled;
            case KERNEL_ERROR -> this::kernelError;
            case COMMAND_RUN -> () -> commandRunOrFailed(0, Reason.COMMAND_RUN);
            case COMMAND_FAILED -> () -> commandRunOrFailed(1, Reason.COMMAND_FAILED);
            case COMMAND_NOT_RUN -> this::commandNotRun;
            case CYCLE -> this::cycle;
            case BROKEN_INPUT -> this::brokenInput;
            case UNSAFE_FIXTURE -> this::unsafeFixture;
        };
        check.run();
    }

    // ---- the common check ---------------------------------------------------------------------------------

    /**
     * Explains the removal on one fresh target (which explain must leave as it was), removes on another, and checks
     * that the removal made the calls the plan predicted; returns the plan's first step with {@code reason}.
     */
    private static Plan.PlannedStep predicts(Target target, List<String> names, RemoveOptions options,
                                             Reason reason) throws IOException {
        Kmod kmod = target.open();
        String before = seen(kmod);
        Plan plan = kmod.explain(names, options);
        assertEquals(before, seen(kmod), "explain changed the target");
        Removal removal = target.open().remove(names, options);
        assertEquals(calls(removal.steps()), calls(plan.steps().stream().map(Plan.PlannedStep::step).toList()),
                "the removal did what explain predicted");
        assertEquals(removal.succeeded(), plan.succeeded());
        return plan.steps().stream().filter(s -> s.step().reason() == reason).findFirst()
                .orElseThrow(() -> new AssertionError("no " + reason + " step: " + calls(removal.steps())));
    }

    /** Each step as (module, role, reason, syscall flags, syscall result). */
    private static List<String> calls(List<Step> steps) {
        return steps.stream().map(s -> s.module() + " " + s.role() + " " + s.reason()
                + (s.syscall() == null ? " no call" : " " + s.syscall().flagNames() + " " + s.syscall().result()))
                .toList();
    }

    /** What a target shows: its /proc/modules, taint and modules_disabled. */
    private static String seen(Kmod kmod) {
        StringBuilder out = new StringBuilder();
        for (String f : List.of("/proc/modules", "/proc/sys/kernel/tainted", "/proc/sys/kernel/modules_disabled")) {
            try {
                out.append(kmod.kernel().readFile(f));
            } catch (ViewException e) {
                out.append(f).append(": ").append(e.errno());
            }
        }
        return out.toString();
    }

    /** {@link RemovalRulesTest#stack()}: core <- mid <- top, noexit (permanent), spare, ext4 builtin. */
    private static Kmod stack() {
        return Kmod.simulator(RemovalRulesTest.stack());
    }

    private Target scenario(String name, String text) throws IOException {
        Path file = tmp.resolve(name + ".scn");
        Files.writeString(file, text);
        return () -> Kmod.scenario(file);
    }

    private static void assertCall(Plan.PlannedStep s, Errno errno) {
        assertEquals(errno, s.step().syscall().error(), s.step().syscall().toString());
    }

    // ---- reasons explain gives ----------------------------------------------------------------------------

    private static void removed() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("top"), RemoveOptions.rmmod().build(),
                Reason.REMOVED);
        assertEquals("OK", s.step().syscall().result());
        assertEquals(List.of("O_NONBLOCK"), s.step().syscall().flagNames());
    }

    private static void wouldRemove() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("top"),
                RemoveOptions.modprobe().dryRun().build(), Reason.WOULD_REMOVE);
        assertNull(s.step().syscall(), "a dry run makes no call");
    }

    private static void alreadyRemoved() throws IOException {
        // the holder top goes first and takes mid (and core) with it as unused dependencies
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("mid"),
                RemoveOptions.modprobe().withHolders().build(), Reason.ALREADY_REMOVED);
        assertEquals("mid", s.step().module());
        assertEquals(Step.Role.ARGUMENT, s.step().role());
        assertNull(s.step().syscall(), "no second delete_module");
    }

    private static void notLoaded() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("nosuch"), RemoveOptions.rmmod().build(),
                Reason.NOT_LOADED);
        assertTrue(s.step().failed(), "a failure for rmmod");
        assertNull(s.before());
    }

    private static void notFound() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("nosuch"), RemoveOptions.modprobe().build(),
                Reason.NOT_FOUND);
        assertNull(s.step().module());
        assertEquals("nosuch", s.step().argument());
    }

    private static void invalidName() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("bad]alias"),
                RemoveOptions.modprobe().build(), Reason.INVALID_NAME);
        assertEquals("bad]alias", s.step().argument());
    }

    private void badArgument() throws IOException {
        // rmmod takes an existing path as a module file; "dir/" names none (an empty basename)
        Files.createDirectories(tmp.resolve("dir"));
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("dir/", "top"),
                RemoveOptions.rmmod().workingDirectory(tmp).build(), Reason.BAD_ARGUMENT);
        assertEquals("No such file or directory", s.step().errorText());
        assertEquals("dir/", s.step().argument());
    }

    private static void builtin() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("ext4"), RemoveOptions.rmmod().build(),
                Reason.BUILTIN);
        assertEquals(List.of(new Plan.Absent("ext4", Reason.BUILTIN)),
                stack().explain("ext4", RemoveOptions.rmmod().build()).absent());
        assertNull(s.step().syscall());
    }

    private static void inUseByHolders() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("core"), RemoveOptions.rmmod().build(),
                Reason.IN_USE_BY_HOLDERS);
        assertEquals(List.of("mid"), s.step().holders());
        assertNull(s.step().syscall(), "rmmod refuses before delete_module");
    }

    /** A module whose character device the scenario's process keeps open: one reference no module holds. */
    private Target heldOpen() throws IOException {
        return scenario("held", """
                module spare device=/dev/spare
                load spare
                open 0 /dev/spare
                """);
    }

    private void inUse() throws IOException {
        Plan.PlannedStep s = predicts(heldOpen(), List.of("spare"), RemoveOptions.modprobe().build(), Reason.IN_USE);
        assertEquals(1, s.step().refcount());
        assertEquals(List.of(), s.step().holders());
        assertNull(s.step().syscall(), "modprobe checks the count before delete_module");
    }

    private void timedOut() throws IOException {
        Plan.PlannedStep s = predicts(heldOpen(), List.of("spare"),
                RemoveOptions.modprobe().waitUpTo(Duration.ofSeconds(1)).build(), Reason.TIMED_OUT);
        assertEquals(Duration.ofSeconds(1), s.step().waitTimeout());
        assertCall(s, Errno.EWOULDBLOCK);
    }

    private static void unloadingNotSupported() throws IOException {
        Target noUnload = () -> {
            SimulatedKernel kernel = SimulatedKernel.builder().config(KernelConfig.debian().withModuleUnload(false))
                    .module(ModuleImage.builder("spare").build()).build();
            assertTrue(kernel.loadModule("spare", "").isOk());
            return Kmod.simulator(kernel);
        };
        Plan.PlannedStep s = predicts(noUnload, List.of("spare"), RemoveOptions.modprobe().build(),
                Reason.UNLOADING_NOT_SUPPORTED);
        assertCall(s, Errno.ENOSYS);
    }

    /**
     * A kernel with {@code name} in {@code state}, restored as a snapshot is: a scenario cannot leave a module
     * COMING or GOING, since it waits for its background commands ({@code bgload}, {@code bgdel}) before it ends.
     */
    private static Target restoredIn(String name, ModuleState state, int refcount) {
        return () -> Kmod.simulator(SimulatedKernel.builder().module(ModuleImage.builder(name).build())
                .restore(List.of(new LoadedModule(ModuleName.of(name), 16384, refcount, List.of(), state, "", false)))
                .build());
    }

    private static void beingUnloaded() throws IOException {
        // GOING after a normal stop: the base reference dropped, the count reads -1
        Plan.PlannedStep s = predicts(restoredIn("going", ModuleState.GOING, -1), List.of("going"),
                RemoveOptions.modprobe().build(), Reason.BEING_UNLOADED);
        assertCall(s, Errno.EBUSY);
        assertEquals(Module.State.GOING, s.before().state());
    }

    private static void notLive() throws IOException {
        Plan.PlannedStep s = predicts(restoredIn("coming", ModuleState.COMING, 0), List.of("coming"),
                RemoveOptions.rmmod().build(), Reason.NOT_LIVE);
        assertCall(s, Errno.EBUSY);
        assertEquals(Module.State.COMING, s.before().state());
    }

    private static void permanent() throws IOException {
        Plan.PlannedStep s = predicts(ExplainReasonsTest::stack, List.of("noexit"), RemoveOptions.modprobe().build(),
                Reason.PERMANENT);
        assertCall(s, Errno.EBUSY);
        assertEquals(Boolean.TRUE, s.before().permanent());
    }

    /** {@link ExplainRulesTest#fixture}'s tree (core <- mid <- top, spare) in a new directory each time. */
    private Target fixture(Edit edit) {
        return () -> Kmod.fixture(root(edit));
    }

    private Path root(Edit edit) throws IOException {
        Path root = ExplainRulesTest.fixture(Files.createTempDirectory(tmp, "root"));
        edit.apply(root);
        return root;
    }

    private interface Edit {
        void apply(Path root) throws IOException;
    }

    private void refcountUnreadable() throws IOException {
        Plan.PlannedStep s = predicts(fixture(root -> ExplainRulesTest.write(root, "sys/module/top/refcnt", "x\n")),
                List.of("top"), RemoveOptions.rmmod().build(), Reason.REFCOUNT_UNREADABLE);
        assertEquals(-Errno.EINVAL.number(), s.step().refcount(), "libkmod's read of the count fails");
        assertNull(s.step().syscall(), "rmmod refuses before delete_module");
    }

    private void modulesDisabled() throws IOException {
        Plan.PlannedStep s = predicts(scenario("disabled", """
                module spare
                load spare
                write /proc/sys/kernel/modules_disabled 1
                """), List.of("spare"), RemoveOptions.rmmod().build(), Reason.MODULES_DISABLED);
        assertCall(s, Errno.EPERM);
    }

    private void kernelError() throws IOException {
        // Linux 2.4 answers EBUSY for a module in use: no reason of a LIVE module that is not permanent covers it
        Plan.PlannedStep s = predicts(scenario("linux24", """
                kernel 2.4.27
                module core exports=core_sym init exit
                module mid uses=core_sym init exit
                load core
                load mid
                """), List.of("core"), RemoveOptions.rmmod().force().build(), Reason.KERNEL_ERROR);
        assertCall(s, Errno.EBUSY);
        assertEquals(Module.State.LIVE, s.before().state());
    }

    private void cycle() throws IOException {
        Path conf = tmp.resolve("cycle.conf");
        Files.writeString(conf, "softdep spare pre: top\nsoftdep top pre: spare\n");
        Plan.PlannedStep s = predicts(() -> stack().withConfiguration(List.of(conf.toString()), tmp),
                List.of("spare"), RemoveOptions.modprobe().build(), Reason.CYCLE);
        assertEquals("spare", s.step().module());
        assertEquals(Step.Role.SOFTDEP_PRE, s.step().role());
    }

    // ---- modprobe.d remove commands: explain reports them, never runs them --------------------------------

    private Target withRemoveCommand() throws IOException {
        Path conf = tmp.resolve("remove.conf");
        Files.writeString(conf, "remove spare /sbin/modprobe -r --ignore-remove spare\n");
        return () -> stack().withConfiguration(List.of(conf.toString()), tmp);
    }

    private void commandNotRun() throws IOException {
        Plan.PlannedStep s = predicts(withRemoveCommand(), List.of("spare"), RemoveOptions.modprobe().build(),
                Reason.COMMAND_NOT_RUN);
        assertEquals("/sbin/modprobe -r --ignore-remove spare", s.step().command());
        assertNull(s.step().syscall());
    }

    /**
     * explain cannot give COMMAND_RUN or COMMAND_FAILED: with {@link RemoveOptions.Commands#RUN} it still only
     * reports the command, while the removal runs it and gets its status.
     */
    private void commandRunOrFailed(int status, Reason reason) throws IOException {
        Target target = withRemoveCommand();
        int[] runs = new int[1];
        RemoveOptions run = RemoveOptions.modprobe().commands(RemoveOptions.Commands.RUN)
                .commandRunner((command, module) -> {
                    runs[0]++;
                    return status;
                }).build();
        Plan plan = target.open().explain(List.of("spare"), run);
        assertEquals(List.of(Reason.COMMAND_NOT_RUN), plan.steps().stream().map(s -> s.step().reason()).toList());
        assertEquals(0, runs[0], "explain never runs a remove command");
        Step done = target.open().remove(List.of("spare"), run).steps().getFirst();
        assertEquals(reason, done.reason());
        assertEquals(status, done.commandStatus());
        assertEquals(1, runs[0]);
    }

    // ---- broken input -------------------------------------------------------------------------------------

    private void brokenInput() throws IOException {
        // a corrupt module index is read again from the copy's recorded files: the same refusal
        byte[] corrupt = {(byte) 0xB0, 0x07, (byte) 0xF4, 0x57, 0, 2, 0, 1, 0x20, 0, 0, 12}; // root past the end
        Plan.PlannedStep s = predicts(fixture(root -> {
            Path index = root.resolve("lib/modules/6.1.0-explain/modules.dep.bin");
            Files.createDirectories(index.getParent());
            Files.write(index, corrupt);
        }), List.of("top"), RemoveOptions.modprobe().build(), Reason.BROKEN_INPUT);
        assertEquals("/lib/modules/6.1.0-explain/modules.dep.bin: corrupt index at offset 8 (0x8): node offset 12 "
                + "is past the end of the file (12 bytes)", s.step().errorText());
    }

    /**
     * explain cannot give UNSAFE_FIXTURE: it copies the fixture before anything runs, and the copy refuses the same
     * link by throwing, where the removal gives a step with the same message.
     */
    private void unsafeFixture() throws IOException {
        Edit linkOut = root -> {
            Files.delete(root.resolve("sys/module/top/refcnt"));
            Files.createSymbolicLink(root.resolve("sys/module/top/refcnt"), Path.of("/etc/hostname"));
        };
        Path root = root(linkOut);
        Map<String, String> before = ExplainRulesTest.contents(root);
        KmodException thrown = assertThrows(KmodException.class,
                () -> Kmod.fixture(root).explain(List.of("top"), RemoveOptions.rmmod().build()));
        assertEquals(before, ExplainRulesTest.contents(root));
        Path again = root(linkOut);
        Step step = Kmod.fixture(again).remove(List.of("top"), RemoveOptions.rmmod().build()).steps().getFirst();
        assertEquals(Reason.UNSAFE_FIXTURE, step.reason());
        assertEquals(step.errorText(), thrown.getMessage().replace(root.toString(), again.toString()));
        assertTrue(thrown.getMessage().contains("sys/module/top/refcnt is a symbolic link that leads out of the root"),
                thrown.getMessage());
        // the links out of the temporary directory go before JUnit's cleanup (which warns about such links)
        Files.delete(root.resolve("sys/module/top/refcnt"));
        Files.delete(again.resolve("sys/module/top/refcnt"));
    }

    /**
     * explain cannot give NO_PRIVILEGE: the copy is a fresh simulator called as root, so the prediction is what a
     * root caller would get (docs/explain.md), here REMOVED where an unprivileged caller's removal gets EPERM.
     */
    private static void noPrivilege() {
        SimulatedKernel kernel = RemovalRulesTest.stack();
        Task user = kernel.newTask("user");
        user.dropCapSysModule();
        Kmod kmod = Kmod.of(new ForwardingModuleSubsystem(kernel) {
            @Override
            public SyscallResult deleteModule(UserString name, int flags) {
                return user.deleteModule(name, flags);
            }
        });
        Plan plan = kmod.explain(List.of("top"), RemoveOptions.rmmod().build());
        assertEquals(List.of("top ARGUMENT REMOVED [O_NONBLOCK] OK"), calls(plan.removal().steps()));
        Step step = kmod.remove(List.of("top"), RemoveOptions.rmmod().build()).steps().getFirst();
        assertEquals(Reason.NO_PRIVILEGE, step.reason());
        assertEquals(Errno.EPERM, step.syscall().error());
        assertEquals(Module.State.LIVE, kmod.module("top").state());
    }
}
