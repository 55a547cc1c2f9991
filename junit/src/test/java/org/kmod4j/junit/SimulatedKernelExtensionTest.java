package org.kmod4j.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.Reason;
import org.kmod4j.modules.Removal;
import org.kmod4j.modules.RemoveOptions;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.SimulatedKernel;

@SimulatedKernelTest
class SimulatedKernelExtensionTest {
    private static final List<SimulatedKernel> SEEN = new ArrayList<>();
    private SimulatedKernel fromBeforeEach;

    @BeforeEach
    void setUp(SimulatedKernel kernel) {
        fromBeforeEach = kernel;
    }

    @RepeatedTest(2)
    void eachTestGetsAFreshKernel(SimulatedKernel kernel) {
        assertEquals(List.of(), kernel.loadedModules());
        for (SimulatedKernel earlier : SEEN) {
            assertNotSame(earlier, kernel);
        }
        SEEN.add(kernel);
        kernel.declare(ModuleImage.builder("left_behind").build());
        assertTrue(kernel.loadModule("left_behind", "").isOk());
    }

    @Test
    void eachParameterIsAKernelOfItsOwn(SimulatedKernel a, SimulatedKernel b) {
        assertNotSame(a, b);
        assertNotSame(fromBeforeEach, a);
    }

    @Test
    void withoutAReleaseTheKernelIsDebian12s61(SimulatedKernel kernel) {
        assertEquals("6.1.192", kernel.profile().release());
    }

    @Test
    void scenarioSeedsTheModulesItLoads(@Scenario("classpath:org/kmod4j/junit/sound.scn") SimulatedKernel kernel) {
        assertEquals(List.of("snd", "soundcore"), names(kernel));
        assertEquals(Errno.EWOULDBLOCK,
                kernel.deleteModule("soundcore", RemoveFlags.of(RemoveFlag.NONBLOCK)).error());
    }

    @Test
    void aKmodParameterIsTheLibraryOnASeededKernel(@Scenario("classpath:org/kmod4j/junit/sound.scn") Kmod kmod) {
        Removal refused = kmod.remove("soundcore", RemoveOptions.rmmod().build());
        assertEquals(Reason.IN_USE_BY_HOLDERS, refused.steps().getFirst().reason());
        assertEquals(List.of("snd"), refused.steps().getFirst().holders());
        Removal removed = kmod.remove("snd", RemoveOptions.modprobe().build());
        assertEquals(List.of("snd:REMOVED", "soundcore:REMOVED"),
                removed.steps().stream().map(st -> st.module() + ":" + st.reason()).toList());
    }

    @Test
    void aScenarioFileIsReadRelativeToTheWorkingDirectory(
            @Scenario("src/test/resources/org/kmod4j/junit/sound.scn") SimulatedKernel kernel) {
        assertEquals(List.of("snd", "soundcore"), names(kernel));
    }

    @Test
    @Scenario("classpath:org/kmod4j/junit/sound.scn")
    void aMethodsScenarioSeedsEachOfItsKernels(SimulatedKernel a, ModuleSubsystem b) {
        assertEquals(List.of("snd", "soundcore"), names(a));
        assertEquals(List.of("snd", "soundcore"), names((SimulatedKernel) b));
        assertNotSame(a, b);
    }

    @Test
    @KernelRelease("2.6.32")
    void kernelReleasePicksTheRules(SimulatedKernel oldOne, @KernelRelease("6.12.117") SimulatedKernel newOne) {
        assertEquals("2.6.32", oldOne.profile().release());
        assertEquals("6.12.117", newOne.profile().release());
    }

    @Nested
    @KernelRelease("6.12.117")
    @Scenario("classpath:org/kmod4j/junit/sound.scn")
    class AClassAnnotation {
        @Test
        void seedsEveryTestOfTheClass(SimulatedKernel kernel) {
            assertEquals("6.12.117", kernel.profile().release());
            assertEquals(List.of("snd", "soundcore"), names(kernel));
        }

        @Test
        void yieldsToTheParameters(@Scenario("classpath:org/kmod4j/junit/empty.scn") SimulatedKernel kernel) {
            assertEquals("6.12.117", kernel.profile().release());
            assertEquals(List.of(), names(kernel));
        }
    }

    @Test
    void aBadScenarioFailsTheTestWithItsLineNumber() {
        Throwable failure = onlyFailure(BadScenario.class);
        assertEquals("@Scenario(\"classpath:org/kmod4j/junit/bad.scn\"): classpath:org/kmod4j/junit/bad.scn:3: "
                + "unknown command 'lod'", failure.getMessage());
    }

    @Test
    void aMissingScenarioFailsTheTestSayingSo() {
        assertEquals("@Scenario(\"classpath:org/kmod4j/junit/nowhere.scn\"): classpath:org/kmod4j/junit/nowhere.scn: "
                + "no such resource on the test class path", onlyFailure(MissingResource.class).getMessage());
        assertTrue(onlyFailure(MissingFile.class).getMessage()
                .startsWith("@Scenario(\"no/such/file.scn\"): no such file (relative to "));
    }

    @Test
    void anUnknownReleaseFailsTheTestSayingSo() {
        assertTrue(onlyFailure(TooOld.class).getMessage().startsWith("@KernelRelease(\"2.2.26\"): "));
    }

    @Test
    void aFailingSeedFailsOnlyItsOwnTest() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(BadScenario.class)).execute()
                .testEvents();
        assertEquals(1, tests.succeeded().count());
        assertEquals(1, tests.failed().count());
    }

    private static Throwable onlyFailure(Class<?> testClass) {
        Events failed = EngineTestKit.engine("junit-jupiter").selectors(selectClass(testClass)).execute()
                .testEvents().failed();
        assertEquals(1, failed.count());
        Throwable t = failed.stream().findFirst().orElseThrow().getRequiredPayload(TestExecutionResult.class)
                .getThrowable().orElseThrow();
        assertSame(org.junit.jupiter.api.extension.ParameterResolutionException.class, t.getClass());
        return t;
    }

    private static List<String> names(SimulatedKernel kernel) {
        return kernel.loadedModules().stream().map(m -> m.name().value()).toList();
    }

    // The classes below are run by the tests above through EngineTestKit; surefire leaves nested classes out.

    @SimulatedKernelTest
    static class BadScenario {
        @Test
        void seeded(@Scenario("classpath:org/kmod4j/junit/bad.scn") SimulatedKernel kernel) {
        }

        @Test
        void notSeeded(SimulatedKernel kernel) {
        }
    }

    @SimulatedKernelTest
    static class MissingResource {
        @Test
        void seeded(@Scenario("classpath:org/kmod4j/junit/nowhere.scn") SimulatedKernel kernel) {
        }
    }

    @SimulatedKernelTest
    static class MissingFile {
        @Test
        void seeded(@Scenario("no/such/file.scn") SimulatedKernel kernel) {
        }
    }

    @SimulatedKernelTest
    static class TooOld {
        @Test
        void seeded(@KernelRelease("2.2.26") SimulatedKernel kernel) {
        }
    }
}
