package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kmod4j.api.Taint;
import org.kmod4j.sim.KernelProfile.DuplicateLoad;
import org.kmod4j.sim.KernelProfile.Generation;
import org.kmod4j.sim.KernelProfile.NameCopy;
import org.kmod4j.sim.KernelProfile.ProcModulesFormat;
import org.kmod4j.sim.KernelProfile.StopRule;

/** Which rules each release gets: the boundaries of docs/kernel-generations.md, one row per side of each. */
class KernelProfileTest {

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
        assertEquals(modulesDisabled, p.hasModulesDisabled());
        assertEquals(warnsWithoutNonblock, p.warnsWithoutNonblock());
        assertEquals(procModulesFormat, p.procModulesFormat());
        assertEquals(duplicateLoad, p.duplicateLoad());
        assertEquals(idempotentFileLoad, p.idempotentFileLoad());
    }
}
