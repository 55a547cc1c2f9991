package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.kmod4j.sim.KernelProfile;

/**
 * The real kernel is the judge: every scenario whose output one of Debian 12's kernels produced under QEMU
 * (conformance/golden/RELEASE/, one set per kernel, each with its KERNEL_VERSION) must come out of the simulator
 * the same, after the format spec's normalisation, with the profile and module sizes of that kernel.
 */
class GoldenScenarioReplayTest {
    /** The repository's top: surefire sets kmod4j.repository (the tests run in library/); else the working directory. */
    static final Path REPOSITORY = Path.of(System.getProperty("kmod4j.repository", ".")).normalize();
    static final Path SCENARIOS = REPOSITORY.resolve("conformance/scenarios");
    static final Path GOLDEN = REPOSITORY.resolve("conformance/golden");

    /** The golden sets: every directory of conformance/golden that holds a KERNEL_VERSION file. */
    static List<Path> goldenSets() throws IOException {
        try (Stream<Path> s = Files.list(GOLDEN)) {
            return s.filter(d -> Files.isRegularFile(d.resolve(KernelVersionFile.NAME))).sorted().toList();
        }
    }

    @Test
    void bothOfDebian12sKernelsHaveAGoldenSetOfEveryScenario() throws IOException {
        List<Path> sets = goldenSets();
        List<String> series = sets.stream().map(GoldenScenarioReplayTest::profile).map(KernelProfile::series)
                .toList();
        assertEquals(List.of("6.1", "6.12"), series, "golden sets " + sets);
        long scenarios;
        try (Stream<Path> s = Files.list(SCENARIOS)) {
            scenarios = s.filter(p -> p.toString().endsWith(".scn")).count();
        }
        for (Path set : sets) {
            assertEquals(scenarios, outs(set).size(), set + " lacks the output of some scenario");
        }
    }

    @TestFactory
    Stream<DynamicContainer> simulatorMatchesTheRealKernelOnEveryGoldenScenarioOfEachKernel() throws IOException {
        return goldenSets().stream().map(set -> {
            KernelProfile profile = profile(set);
            List<Path> goldens = outs(set);
            assertTrue(goldens.size() >= 30, "expected at least 30 golden scenarios in " + set);
            String kernel = set.getFileName() + " (simulated as " + profile.release() + ")";
            return DynamicContainer.dynamicContainer(kernel, goldens.stream().map(golden ->
                    DynamicTest.dynamicTest(set.getFileName() + ": " + golden.getFileName(), () -> {
                        String name = golden.getFileName().toString().replaceFirst("\\.out$", "");
                        String scenarioText = Files.readString(SCENARIOS.resolve(name + ".scn"));
                        String actual = new ScenarioRunner(ScenarioParser.parse(scenarioText, profile)).run();
                        RecordComparison.Result r = RecordComparison.compare(Files.readString(golden), actual);
                        assertTrue(r.allMatch(), set.getFileName() + " " + name + ": " + r.matched() + "/"
                                + r.total() + " records match\n" + r.differences());
                    })));
        });
    }

    private static KernelProfile profile(Path set) {
        try {
            return KernelProfile.forRelease(
                    KernelVersionFile.profileRelease(Files.readString(set.resolve(KernelVersionFile.NAME))));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<Path> outs(Path set) {
        try (Stream<Path> s = Files.list(set)) {
            return s.filter(p -> p.toString().endsWith(".out")).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
