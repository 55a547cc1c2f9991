package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The runner prints the spec's records; background commands and virtual time behave as on the probe. */
class ScenarioRunnerTest {
    private static String run(String text) throws ScenarioSyntaxException {
        return new ScenarioRunner(ScenarioParser.parse(text)).run();
    }

    @Test
    void recordsFollowTheSpecAndEndWithDone() throws Exception {
        String out = run("""
                module m size=8192
                load m
                cat /proc/sys/kernel/modules_disabled
                ls /sys/module/m/holders
                cat /nope
                ls /nope
                del m 0
                """);
        assertEquals("""
                RESULT 2 load m -> OK
                CAT 3 /proc/sys/kernel/modules_disabled <<
                0
                <<END
                LS 4 /sys/module/m/holders:
                CAT 5 /nope -> ENOENT
                LS 6 /nope -> ENOENT
                RESULT 7 del m 0 -> OK
                DONE
                """, out);
    }

    @Test
    void backgroundRecordAppearsWhenTheCommandFinishes() throws Exception {
        String out = run("""
                module s init=param:init_ms
                bgload s init_ms=500
                sleep 100
                cat /sys/module/s/initstate
                wait
                cat /sys/module/s/initstate
                """);
        assertEquals("""
                CAT 4 /sys/module/s/initstate <<
                coming
                <<END
                RESULT 2 bgload s init_ms=500 -> OK
                CAT 6 /sys/module/s/initstate <<
                live
                <<END
                DONE
                """, out);
    }

    @Test
    void replayIsDeterministic() throws Exception {
        String text = """
                module s init=param:init_ms exit=param:exit_ms
                bgload s init_ms=300 exit_ms=300
                bg cat /proc/modules
                sleep 50
                bgdel s NB
                sleep 400
                bgdel s NB
                bg cat /proc/modules
                wait
                """;
        String first = run(text);
        for (int i = 0; i < 20; i++) {
            assertEquals(first, run(text));
        }
    }

    @Test
    void dropcapAffectsLaterCommandsAndForkedProcesses() throws Exception {
        String out = run("""
                module m
                load m
                dropcap
                del m 0
                bgdel m 0
                wait
                """);
        assertTrue(out.contains("RESULT 3 dropcap -> OK"));
        assertTrue(out.contains("RESULT 4 del m 0 -> EPERM"));
        assertTrue(out.contains("RESULT 5 bgdel m 0 -> EPERM"));
    }

    @Test
    void openFileSharedWithAForkIsReleasedOnlyByTheLastClose() throws Exception {
        String out = run("""
                module t exports=s init exit device=/dev/t
                load t
                open 0 /dev/t
                bg close 0
                wait
                cat /sys/module/t/refcnt
                close 0
                cat /sys/module/t/refcnt
                close 0
                """);
        assertTrue(out.contains("RESULT 4 bg close 0 -> OK"));
        assertTrue(out.contains("CAT 6 /sys/module/t/refcnt <<\n1\n<<END"));
        assertTrue(out.contains("CAT 8 /sys/module/t/refcnt <<\n0\n<<END"));
        assertTrue(out.contains("RESULT 9 close 0 -> EBADF"));
    }

    @Test
    void doneWaitsForBackgroundCommandsAsTheProbeDoes() throws Exception {
        String out = run("""
                module s init=param:init_ms
                bgload s init_ms=1000
                """);
        assertEquals("RESULT 2 bgload s init_ms=1000 -> OK\nDONE\n", out);
    }

    @Test
    void loadOfANameStillInInitWaitsForItThenGivesEexist() throws Exception {
        String out = run("""
                module s init=param:init_ms
                bgload s init_ms=500
                sleep 100
                load s
                wait
                """);
        assertEquals("""
                RESULT 2 bgload s init_ms=500 -> OK
                RESULT 4 load s -> EEXIST
                DONE
                """, out);
    }

    @Test
    void waitWithNothingInTheBackgroundReturnsAtOnce() throws Exception {
        assertEquals("DONE\n", run("wait\n"));
    }
}
