package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The real kernel is the judge: every scenario whose output Debian's kernel produced under QEMU (conformance/golden)
 * must come out of the simulator the same, after the format spec's normalisation.
 */
class GoldenScenarioReplayTest {
    static final Path SCENARIOS = Path.of("conformance/scenarios");
    static final Path GOLDEN = Path.of("conformance/golden");

    @TestFactory
    Stream<DynamicTest> simulatorMatchesTheRealKernelOnEveryGoldenScenario() throws IOException {
        List<Path> goldens;
        try (Stream<Path> s = Files.list(GOLDEN)) {
            goldens = s.filter(p -> p.toString().endsWith(".out")).sorted().toList();
        }
        assertTrue(goldens.size() >= 30, "expected at least 30 golden scenarios, found " + goldens.size());
        return goldens.stream().map(golden -> DynamicTest.dynamicTest(golden.getFileName().toString(), () -> {
            String name = golden.getFileName().toString().replaceFirst("\\.out$", "");
            String scenarioText = Files.readString(SCENARIOS.resolve(name + ".scn"));
            String actual = new ScenarioRunner(ScenarioParser.parse(scenarioText)).run();
            RecordComparison.Result r = RecordComparison.compare(Files.readString(golden), actual);
            assertTrue(r.allMatch(), name + ": " + r.matched() + "/" + r.total() + " records match\n"
                    + r.differences());
        }));
    }
}
