package org.kmod4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** What users expect of a CLI: help that names every command and option, a version, shell completion. */
class HelpAndCompletionTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new String[] {String.valueOf(status), out.toString(), err.toString()};
    }

    @Test
    void topLevelHelpNamesEveryCommand() {
        String[] r = run("--help");
        assertEquals("0", r[0]);
        for (String command : new String[] {"sim", "generate-completion", "lsmod", "rmmod", "modprobe"}) {
            assertTrue(r[1].contains(command), "help lists " + command + ":\n" + r[1]);
        }
    }

    @Test
    void simHelpNamesItsSubcommandsAndTheirOptions() {
        assertTrue(run("sim", "--help")[1].contains("compare"));
        String runHelp = run("sim", "run", "--help")[1];
        assertTrue(runHelp.contains("--dmesg") && runHelp.contains("FILE"), runHelp);
    }

    @Test
    void versionNamesKmod4j() {
        String[] r = run("--version");
        assertEquals("0", r[0]);
        assertTrue(r[1].startsWith("kmod4j "), r[1]);
    }

    @Test
    void generateCompletionPrintsABashScriptThatCompletesKmod4jsOwnCommands() {
        String[] r = run("generate-completion");
        assertEquals("0", r[0]);
        assertTrue(r[1].contains("complete -F _complete_kmod4j -o default kmod4j"), r[1]);
        assertTrue(r[1].contains("local commands=\"sim generate-completion\""), "the top-level commands");
        assertTrue(r[1].contains("local commands=\"run compare\""), "the sim subcommands");
    }

    @Test
    void unknownCommandGivesAMessageAndStatusTwo() {
        String[] r = run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Unmatched argument") && r[2].contains("frobnicate"), r[2]);
    }

    @Test
    void completionOfRmmodAndModprobeOffersTheLoadedModules() throws Exception {
        java.nio.file.Path script = java.nio.file.Files.createTempFile("kmod4j-completion", ".bash");
        java.nio.file.Path procModules = java.nio.file.Files.createTempFile("modules", "");
        try {
            java.nio.file.Files.writeString(script, run("generate-completion")[1]
                    .replace("/proc/modules", procModules.toString()));
            java.nio.file.Files.writeString(procModules,
                    "snd_pcm 172032 0 - Live 0x0\nsnd 135168 1 snd_pcm, Live 0x0\nsoundcore 16384 1 snd, Live 0x0\n");
            String bash = "source " + script + "; "
                    + "COMP_WORDS=(rmmod sn); COMP_CWORD=1; _kmod4j_loaded_modules; echo \"${COMPREPLY[*]}\"; "
                    + "COMP_WORDS=(kmod4j modprobe -r so); COMP_CWORD=3; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                    + "complete -p rmmod";
            Process p = new ProcessBuilder("bash", "-c", bash).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), out);
            assertEquals("snd_pcm snd\nsoundcore\ncomplete -o default -F _kmod4j_loaded_modules rmmod\n", out);
        } finally {
            java.nio.file.Files.deleteIfExists(script);
            java.nio.file.Files.deleteIfExists(procModules);
        }
    }
}
