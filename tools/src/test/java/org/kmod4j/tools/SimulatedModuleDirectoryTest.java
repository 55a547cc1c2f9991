package org.kmod4j.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.kmod4j.kmod.ModuleDirectory;

/** The module directory a scenario implies (ModuleDirectory.simulated): depmod's order, and no limit from the stack. */
class SimulatedModuleDirectoryTest {

    @Test
    void dependencyLineListsTheClosureDependentsFirstAsDepmodWritesIt() {
        Map<String, List<String>> uses = new LinkedHashMap<>();
        Map<String, List<String>> exports = new LinkedHashMap<>();
        uses.put("core", List.of());
        exports.put("core", List.of("c"));
        uses.put("mid", List.of("c"));
        exports.put("mid", List.of("m"));
        uses.put("top", List.of("m", "c"));
        exports.put("top", List.of());
        ModuleDirectory dir = ModuleDirectory.simulated("/lib/modules/r", uses, exports, Set.of("b"));
        assertEquals("kernel/top.ko: kernel/mid.ko kernel/core.ko", dir.depLine("top"));
        assertEquals("kernel/core.ko:", dir.depLine("core"));
        assertNull(dir.depLine("nosuch"));
        assertTrue(dir.exists("/lib/modules/r/kernel/mid.ko"));
        assertFalse(dir.exists("/lib/modules/r/kernel/nosuch.ko"));
        assertTrue(dir.isBuiltin("b"));
    }

    /** A chain of 50000 modules, each using the previous one: a recursive walk overflowed the stack. */
    @Test
    void longDependencyChainNeedsNoStackAndLittleTime() {
        int n = 50_000;
        Map<String, List<String>> uses = new LinkedHashMap<>();
        Map<String, List<String>> exports = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            uses.put("m" + i, i == 0 ? List.of() : List.of("s" + (i - 1)));
            exports.put("m" + i, List.of("s" + i));
        }
        String line = assertTimeoutPreemptively(Duration.ofSeconds(20), () ->
                ModuleDirectory.simulated("/lib/modules/r", uses, exports, Set.of()).depLine("m" + (n - 1)));
        assertTrue(line.startsWith("kernel/m49999.ko: kernel/m49998.ko kernel/m49997.ko "), line.substring(0, 80));
        assertTrue(line.endsWith(" kernel/m1.ko kernel/m0.ko"));
        assertEquals(n, line.split(" ").length);
    }
}
