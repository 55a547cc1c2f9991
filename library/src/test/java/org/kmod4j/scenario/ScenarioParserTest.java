package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.sim.ModuleImage;

/** Reading the scenario format: every command, declarations, and a clear error naming each bad line. */
class ScenarioParserTest {

    @Test
    void everyCommandOfTheFormatParsesWithItsLineNumber() throws Exception {
        Scenario s = ScenarioParser.parse("""
                # comment
                load m a=1 b=2
                del m NB|TRUNC
                delptr 0 0
                open 3 /dev/x
                close 3
                cat /proc/modules
                ls /sys/module/m
                write /proc/sys/kernel/modules_disabled 1
                dropcap
                sleep 10
                wait
                bgload m
                bgdel m NB
                bg cat /proc/modules
                del "" 0
                """);
        List<Scenario.Command> c = s.commands();
        assertEquals(15, c.size());
        assertEquals(2, c.get(0).line());
        assertEquals(List.of("m", "a=1 b=2"), c.get(0).args());
        assertEquals(Scenario.Verb.LOAD, c.get(11).verb());
        assertTrue(c.get(11).background());
        assertEquals("bgload m", c.get(11).text());
        assertEquals(Scenario.Verb.CAT, c.get(13).verb());
        assertTrue(c.get(13).background());
        assertEquals("", c.get(14).arg(0));
        assertFalse(c.get(1).background());
    }

    @Test
    void moduleDeclarationHasOnlyTheFunctionsItNames() throws Exception {
        Scenario s = ScenarioParser.parse("""
                module a size=4096 initsize=100 taint=OE exports=x,y init exit=20
                module b uses=x init=param:init_ms initret=ENODEV device=/dev/b
                module c
                """);
        ModuleImage a = s.images().get(0);
        assertEquals(4096, a.coreSize());
        assertEquals(100, a.initSize());
        assertEquals(List.of("x", "y"), a.exports());
        assertTrue(a.init().isPresent() && a.exit().isPresent());
        ModuleImage b = s.images().get(1);
        assertTrue(b.permanent());
        assertEquals(List.of("init_ms"), b.parameters());
        ModuleImage c = s.images().get(2);
        assertFalse(c.init().isPresent() || c.exit().isPresent());
    }

    @Test
    void kernelDeclarationSelectsTheProfile() throws Exception {
        assertEquals(KernelProfile.NameCopy.TRUNCATE, ScenarioParser.parse("kernel 5.10.0\n").profile().nameCopy());
        assertEquals("6.1.192", ScenarioParser.parse("").profile().release());
    }

    @Test
    void sizeOfTheProfilesSeriesWinsOverThePlainSizeWhereverItStands() throws Exception {
        String text = """
                module a size@6.12=12288 size=16384 initsize=12288 initsize@6.12=8192
                module b size=8192 size@6.6=4096
                """;
        Scenario on61 = ScenarioParser.parse(text);
        assertEquals(16384, on61.images().get(0).coreSize());
        assertEquals(12288, on61.images().get(0).initSize());
        Scenario on612 = ScenarioParser.parse(text, KernelProfile.forRelease("6.12.117"));
        assertEquals(12288, on612.images().get(0).coreSize());
        assertEquals(8192, on612.images().get(0).initSize());
        assertEquals(8192, on612.images().get(1).coreSize(), "no size@6.12: the plain size");
        // 6.1's series is 6.1, not a prefix match of 6.12
        assertEquals(16384, ScenarioParser.parse(text, KernelProfile.forRelease("6.1.192")).images().get(0)
                .coreSize());
    }

    @Test
    void kernelLineWinsOverTheRunsKernelAndSetsTheSeriesOfModulesDeclaredBeforeIt() throws Exception {
        Scenario s = ScenarioParser.parse("module a size=16384 size@6.12=12288\nkernel 6.12.117\n",
                KernelProfile.debian12());
        assertEquals("6.12.117", s.profile().release());
        assertEquals(12288, s.images().get(0).coreSize());
        ScenarioSyntaxException twice = assertThrows(ScenarioSyntaxException.class,
                () -> ScenarioParser.parse("kernel 6.1.192\n\nkernel 6.12.117\n"));
        assertEquals(3, twice.line());
    }

    @Test
    void builtinTakesABareParamsFlagOrNames() throws Exception {
        Scenario s = ScenarioParser.parse("builtin sysrq params\nbuiltin printk params=time\nbuiltin x\n");
        assertTrue(s.builtins().get(0).hasParameters());
        assertEquals(List.of("time"), s.builtins().get(1).parameters());
        assertFalse(s.builtins().get(2).hasParameters());
    }

    @ParameterizedTest(name = "line {0}: ''{1}'' is rejected")
    @CsvSource(delimiter = '|', value = {
        "2 | frobnicate m                   | unknown command 'frobnicate'",
        "2 | del m                          | usage: del NAME FLAGS",
        "2 | del m BOGUS                    | bad flags 'BOGUS'",
        "2 | open 16 /dev/x                 | slot 16 out of range",
        "2 | close x                        | bad slot 'x'",
        "2 | sleep -5                       | usage: sleep MS",
        "2 | bg wait                        | cannot run in the background",
        "2 | delptr zz 0                    | bad address 'zz'",
        "2 | module m size=big              | not a number: 'big'",
        "2 | module m colour=blue           | unknown module attribute 'colour'",
        "2 | module m taint@6.12=OE         | only size and initsize take @SERIES",
        "2 | module m size@6=4096           | the series is MAJOR.MINOR",
        "2 | module m size@6.12=big         | not a number: 'big'",
        "2 | module m initret=EBOGUS init   | unknown errno 'EBOGUS'",
        "2 | module m initret=ENODEV        | initret needs an init function",
        "2 | kernel 2.2.26                  | no profile for Linux 2.2.26",
        "2 | kernel banana                  | not a kernel release",
        "2 | LOAD m                         | commands are lower case",
    })
    void malformedLineGivesAnErrorNamingTheLine(int line, String text, String message) {
        ScenarioSyntaxException e = assertThrows(ScenarioSyntaxException.class,
                () -> ScenarioParser.parse("# first\n" + text.strip() + "\n"));
        assertEquals(line, e.line());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    @Test
    void moduleNameOf56BytesIsRejected() {
        ScenarioSyntaxException e = assertThrows(ScenarioSyntaxException.class,
                () -> ScenarioParser.parse("module " + "m".repeat(56) + "\n"));
        assertEquals(1, e.line());
        assertTrue(e.getMessage().contains("longer than 55 bytes"), e.getMessage());
    }

    @Test
    void declaringAModuleTwiceNamesTheSecondLine() {
        ScenarioSyntaxException e = assertThrows(ScenarioSyntaxException.class,
                () -> ScenarioParser.parse("module a\n\nmodule a\n"));
        assertEquals(3, e.line());
    }
}
