package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Each older generation's scenario (examples/generations) prints exactly its expected output, which was derived
 * from the kernel sources cited in docs/kernel-generations.md: no real 2.4, 2.6 or 3.13 kernel can be booted here.
 */
class GenerationScenariosTest {
    private static final Path DIR = GoldenScenarioReplayTest.REPOSITORY.resolve("examples/generations");

    @TestFactory
    Stream<DynamicTest> everyGenerationScenarioPrintsItsSourceDerivedExpectedOutput() throws IOException {
        List<Path> scenarios;
        try (Stream<Path> s = Files.list(DIR)) {
            scenarios = s.filter(p -> p.toString().endsWith(".scn")).sorted().toList();
        }
        assertTrue(scenarios.size() >= 6, "one scenario per generation at least");
        return scenarios.stream().map(scn -> DynamicTest.dynamicTest(scn.getFileName().toString(), () -> {
            Path expected = Path.of(scn.toString().replaceFirst("\\.scn$", ".expected"));
            String actual = new ScenarioRunner(ScenarioParser.parse(Files.readString(scn))).run();
            assertEquals(Files.readString(expected), actual);
        }));
    }
}
