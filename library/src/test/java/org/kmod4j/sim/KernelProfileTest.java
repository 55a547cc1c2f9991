package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kmod4j.api.Taint;
import org.kmod4j.sim.KernelProfile.DuplicateLoad;
import org.kmod4j.sim.KernelProfile.Generation;
import org.kmod4j.sim.KernelProfile.NameCopy;
import org.kmod4j.sim.KernelProfile.ProcModulesFormat;
import org.kmod4j.sim.KernelProfile.StopRule;

/**
 * How profiles are built: a chain of generations, each stating what its kernel changed, and which link a release
 * gets (the boundaries of docs/kernel-generations.md, one row per side of each).
 */
class KernelProfileTest {
    /** The rules: every public accessor but the derived ones. */
    private static final List<Method> RULES = Arrays.stream(KernelProfile.class.getDeclaredMethods())
            .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers()))
            .filter(m -> m.getParameterCount() == 0)
            .filter(m -> !Set.of("toBuilder", "hashCode", "toString", "series", "readsNonblock").contains(m.getName()))
            .toList();

    /** The names of the rules in which two profiles differ. */
    private static Set<String> differences(KernelProfile a, KernelProfile b) {
        Set<String> names = new TreeSet<>();
        for (Method m : RULES) {
            try {
                if (!Objects.equals(m.invoke(a), m.invoke(b))) {
                    names.add(m.getName());
                }
            } catch (IllegalAccessException | InvocationTargetException e) {
                throw new AssertionError(e);
            }
        }
        return names;
    }

    @Test
    void eachGenerationDiffersFromItsPredecessorOnlyInItsOwnRules() {
        assertEquals(15, RULES.size(), () -> "a new rule needs its place in this test: "
                + RULES.stream().map(Method::getName).sorted().toList());
        assertEquals(Set.of("release", "generation", "deleteModuleTakesFlags", "nameCopy", "stopRule",
                "busyUnlessLive", "procModulesFormat", "hasCreateModuleCall", "hasQueryModuleCall", "hasSysfs"),
                differences(KernelProfile.linux2_4(), KernelProfile.linux2_6_0()));
        assertEquals(Set.of("release", "busyUnlessLive", "procModulesFormat"),
                differences(KernelProfile.linux2_6_0(), KernelProfile.linux2_6_1()));
        assertEquals(Set.of("release", "forcedUnloadTaint"),
                differences(KernelProfile.linux2_6_1(), KernelProfile.linux2_6_16()));
        assertEquals(Set.of("release", "hasModulesDisabledSysctl"),
                differences(KernelProfile.linux2_6_16(), KernelProfile.linux2_6_31()));
        assertEquals(Set.of("release", "duplicateLoad"),
                differences(KernelProfile.linux2_6_31(), KernelProfile.linux3_8()));
        assertEquals(Set.of("release", "generation", "stopRule", "warnsWithoutNonblock"),
                differences(KernelProfile.linux3_8(), KernelProfile.linux3_13()));
        assertEquals(Set.of("release", "generation", "warnsWithoutNonblock"),
                differences(KernelProfile.linux3_13(), KernelProfile.linux3_15()));
        assertEquals(Set.of("release", "stopRule"),
                differences(KernelProfile.linux3_15(), KernelProfile.linux3_19()));
        assertEquals(Set.of("release", "duplicateLoad"),
                differences(KernelProfile.linux3_19(), KernelProfile.linux6_1()));
        assertEquals(Set.of("release", "idempotentFileLoad"),
                differences(KernelProfile.linux6_1(), KernelProfile.linux6_5()));
        assertEquals(Set.of("release", "nameCopy"),
                differences(KernelProfile.linux6_5(), KernelProfile.linux6_17()));
    }

    @Test
    void eachGenerationIsWhatForReleaseGivesItsFirstRelease() {
        for (KernelProfile generation : List.of(KernelProfile.linux2_4(), KernelProfile.linux2_6_0(),
                KernelProfile.linux2_6_1(), KernelProfile.linux2_6_16(), KernelProfile.linux2_6_31(),
                KernelProfile.linux3_8(), KernelProfile.linux3_13(), KernelProfile.linux3_15(),
                KernelProfile.linux3_19(), KernelProfile.linux6_1(), KernelProfile.linux6_5(),
                KernelProfile.linux6_17())) {
            assertEquals(generation, KernelProfile.forRelease(generation.release()));
        }
    }

    @Test
    void theOneArgumentDeleteModuleCreateAndQueryModuleAndNoSysfsEndWith2_5_48sModuleLoader() {
        KernelProfile last24 = KernelProfile.forRelease("2.5.47");
        assertFalse(last24.deleteModuleTakesFlags());
        assertTrue(last24.hasCreateModuleCall());
        assertTrue(last24.hasQueryModuleCall());
        assertFalse(last24.hasSysfs());
        KernelProfile first26 = KernelProfile.forRelease("2.5.48");
        assertTrue(first26.deleteModuleTakesFlags());
        assertFalse(first26.hasCreateModuleCall());
        assertFalse(first26.hasQueryModuleCall());
        assertTrue(first26.hasSysfs());
    }

    @Test
    void aProfileIsAVariantOfAnotherStatingOnlyItsDifference() {
        KernelProfile truncating = KernelProfile.debian12().toBuilder().nameCopy(NameCopy.TRUNCATE).build();
        assertEquals(Set.of("nameCopy"), differences(KernelProfile.debian12(), truncating));
        assertEquals(KernelProfile.debian12(), truncating.toBuilder().nameCopy(NameCopy.REJECT_UNTERMINATED).build());
        assertEquals(KernelProfile.debian12().hashCode(), KernelProfile.forRelease("6.1.192").hashCode());
    }

    @Test
    void onlyTheOneArgumentDeleteModuleCopiesAPageAndCountsUses() {
        // 2.4's get_mod_name() and use count belong to sys_delete_module(name_user), Linux24Modules' call.
        assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.linux6_1().toBuilder().nameCopy(NameCopy.PAGE).build());
        assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.linux6_1().toBuilder().stopRule(StopRule.USE_COUNT).build());
        assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.linux2_4().toBuilder().nameCopy(NameCopy.TRUNCATE).build());
        assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.linux2_4().toBuilder().deleteModuleTakesFlags(true).build());
        assertThrows(IllegalArgumentException.class,
                () -> KernelProfile.linux6_1().toBuilder().release("six").build());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            # release      | generation | nameCopy            | stopRule             | busyUnlessLive | forced taint  | modules_disabled | warns | /proc/modules | duplicateLoad    | idempotent
            2.4.27         | LINUX_2_4  | PAGE                | USE_COUNT            | true           | FORCED_MODULE | false            | false | LINUX_2_4     | EEXIST_ALWAYS    | false
            2.5.47         | LINUX_2_4  | PAGE                | USE_COUNT            | true           | FORCED_MODULE | false            | false | LINUX_2_4     | EEXIST_ALWAYS    | false
            2.5.48         | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | false          | FORCED_MODULE | false            | false | LINUX_2_6_0   | EEXIST_ALWAYS    | false
            2.6.0          | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | false          | FORCED_MODULE | false            | false | LINUX_2_6_0   | EEXIST_ALWAYS    | false
            2.6.1          | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_MODULE | false            | false | MODERN        | EEXIST_ALWAYS    | false
            2.6.15         | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_MODULE | false            | false | MODERN        | EEXIST_ALWAYS    | false
            2.6.16         | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | false            | false | MODERN        | EEXIST_ALWAYS    | false
            2.6.30         | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | false            | false | MODERN        | EEXIST_ALWAYS    | false
            2.6.31         | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | true             | false | MODERN        | EEXIST_ALWAYS    | false
            3.7            | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | true             | false | MODERN        | EEXIST_ALWAYS    | false
            3.8            | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            3.12           | LINUX_2_6  | TRUNCATE            | WAIT_UNLESS_NONBLOCK | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            3.13           | LINUX_3_13 | TRUNCATE            | REFCOUNT_CHECK       | true           | FORCED_RMMOD  | true             | true  | MODERN        | WAIT_UNLESS_LIVE | false
            3.14           | LINUX_3_13 | TRUNCATE            | REFCOUNT_CHECK       | true           | FORCED_RMMOD  | true             | true  | MODERN        | WAIT_UNLESS_LIVE | false
            3.15           | LINUX_3_15 | TRUNCATE            | REFCOUNT_CHECK       | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            3.18           | LINUX_3_15 | TRUNCATE            | REFCOUNT_CHECK       | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            3.19           | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            5.10.0-23-amd64| LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            6.0            | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | WAIT_UNLESS_LIVE | false
            6.1.0          | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | false
            6.1.148        | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | false
            6.1.149        | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | false
            6.1.192        | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | false
            6.4            | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | false
            6.5            | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.6.102        | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.6.103        | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.12.42        | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.12.43        | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.12.117       | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.15.10        | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.15.11        | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.16           | LINUX_3_15 | TRUNCATE            | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.16.2         | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            6.17           | LINUX_3_15 | REJECT_UNTERMINATED | BASE_REFERENCE       | true           | FORCED_RMMOD  | true             | false | MODERN        | PATIENT          | true
            """)
    void releasesMapToTheirGenerationsRules(String release, Generation generation, NameCopy nameCopy,
            StopRule stopRule, boolean busyUnlessLive, Taint forcedUnloadTaint, boolean modulesDisabled,
            boolean warnsWithoutNonblock, ProcModulesFormat procModulesFormat, DuplicateLoad duplicateLoad,
            boolean idempotentFileLoad) {
        KernelProfile p = KernelProfile.forRelease(release);
        assertEquals(release, p.release());
        assertEquals(generation, p.generation());
        assertEquals(nameCopy, p.nameCopy());
        assertEquals(stopRule, p.stopRule());
        assertEquals(busyUnlessLive, p.busyUnlessLive());
        assertEquals(forcedUnloadTaint, p.forcedUnloadTaint());
        assertEquals(modulesDisabled, p.hasModulesDisabledSysctl());
        assertEquals(warnsWithoutNonblock, p.warnsWithoutNonblock());
        assertEquals(procModulesFormat, p.procModulesFormat());
        assertEquals(duplicateLoad, p.duplicateLoad());
        assertEquals(idempotentFileLoad, p.idempotentFileLoad());
    }
}
