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
        assertTrue(r[1].contains("local commands=\"sim graph generate-completion\""), "the top-level commands");
        assertTrue(r[1].contains("local commands=\"run compare\""), "the sim subcommands");
    }

    @Test
    void unknownCommandGivesAMessageAndStatusTwo() {
        String[] r = run("frobnicate");
        assertEquals("2", r[0]);
        assertTrue(r[2].contains("Unmatched argument") && r[2].contains("frobnicate"), r[2]);
    }

    /** Skips (with the reason) where there is no bash to run the script: never a vacuous pass. */
    private static void assumeBash() {
        boolean found = false;
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "bash"))) {
                found = true;
            }
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(found, "bash is not installed: the completion script cannot run");
    }

    /** Runs {@code bash -c SCRIPT} with {@code bin} first in PATH; returns stdout and stderr together. */
    private static String bash(java.nio.file.Path bin, String script) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).redirectErrorStream(true);
        pb.environment().put("PATH", bin + ":" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private static final String SHOW = "for c in kmod4j rmmod modprobe lsmod; do "
            + "complete -p $c 2>/dev/null || echo \"$c: none\"; done";

    /**
     * The completion script in {@code dir}, reading its loaded modules from a file there (snd_pcm, snd, soundcore)
     * instead of {@code /proc/modules}; {@code dir/bin} exists for the PATH.
     */
    private static java.nio.file.Path completionScript(java.nio.file.Path dir) throws Exception {
        java.nio.file.Path procModules = dir.resolve("modules");
        java.nio.file.Files.createDirectories(dir.resolve("bin"));
        java.nio.file.Files.writeString(procModules,
                "snd_pcm 172032 0 - Live 0x0\nsnd 135168 1 snd_pcm, Live 0x0\nsoundcore 16384 1 snd, Live 0x0\n");
        return java.nio.file.Files.writeString(dir.resolve("completion.bash"), run("generate-completion")[1]
                .replace("/proc/modules", procModules.toString()));
    }

    @Test
    void completionOfRmmodAndModprobeOffersTheLoadedModules(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        assumeBash();
        java.nio.file.Path script = completionScript(dir);
        java.nio.file.Path bin = dir.resolve("bin");
        java.nio.file.Files.createSymbolicLink(bin.resolve("rmmod"), java.nio.file.Path.of(System.getProperty("kmod4j.repository", "."), "kmod4j").toAbsolutePath().normalize());
        String out = bash(bin, "source " + script + "; "
                + "COMP_WORDS=(rmmod sn); COMP_CWORD=1; _kmod4j_loaded_modules; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j modprobe -r so); COMP_CWORD=3; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j lsmod --r); COMP_CWORD=2; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "complete -p rmmod");
        assertEquals("snd_pcm snd\nsoundcore\n--root\ncomplete -o default -F _kmod4j_loaded_modules rmmod\n", out);
        // the link out of the temporary directory goes before JUnit's cleanup (which warns about such links)
        java.nio.file.Files.delete(bin.resolve("rmmod"));
    }

    @Test
    void completionOfExplainAndSnapshotOffersTheToolTheirOptionsAndTheLoadedModules(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        assumeBash();
        java.nio.file.Path script = completionScript(dir);
        String out = bash(dir.resolve("bin"), "source " + script + "; "
                + "COMP_WORDS=(kmod4j ex); COMP_CWORD=1; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j sn); COMP_CWORD=1; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j explain r); COMP_CWORD=2; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j explain modprobe -r --s); COMP_CWORD=4; _kmod4j_with_tools; "
                + "echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j explain rmmod snd); COMP_CWORD=3; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"; "
                + "COMP_WORDS=(kmod4j snapshot --r); COMP_CWORD=2; _kmod4j_with_tools; echo \"${COMPREPLY[*]}\"");
        assertEquals("explain\nsnapshot\nrmmod\n--sim\nsnd_pcm snd\n--root\n", out);
    }

    @Test
    void theToolsNamesGetKmod4jsCompletionOnlyWhereTheyRunKmod4j() throws Exception {
        assumeBash();
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("kmod4j-completion");
        java.nio.file.Path script = dir.resolve("completion.bash");
        java.nio.file.Path bin = java.nio.file.Files.createDirectory(dir.resolve("bin"));
        java.nio.file.Path launcher = java.nio.file.Path.of(System.getProperty("kmod4j.repository", "."), "kmod4j").toAbsolutePath().normalize();
        try {
            java.nio.file.Files.writeString(script, run("generate-completion")[1]);
            // Nothing in bin: rmmod, modprobe and lsmod are the system's (or absent), and keep the system's completion.
            assertEquals("complete -o default -F _kmod4j_with_tools kmod4j\nrmmod: none\nmodprobe: none\nlsmod: none\n",
                    bash(bin, "source " + script + "; " + SHOW));
            // A system completion loaded before is left alone.
            assertEquals("complete -F _system_modprobe modprobe\n",
                    bash(bin, "complete -F _system_modprobe modprobe; source " + script + "; complete -p modprobe"));

            // modprobe: a symlink to the launcher; rmmod: a chain of two (rmmod -> modprobe -> kmod4j); lsmod: a
            // symlink to another program, which is not kmod4j.
            java.nio.file.Files.createSymbolicLink(bin.resolve("modprobe"), launcher);
            java.nio.file.Files.createSymbolicLink(bin.resolve("rmmod"), java.nio.file.Path.of("modprobe"));
            java.nio.file.Path other = java.nio.file.Files.writeString(dir.resolve("lsmod-elsewhere"), "#!/bin/sh\n");
            other.toFile().setExecutable(true);
            java.nio.file.Files.createSymbolicLink(bin.resolve("lsmod"), other);
            assertEquals("complete -o default -F _kmod4j_with_tools kmod4j\n"
                            + "complete -o default -F _kmod4j_loaded_modules rmmod\n"
                            + "complete -o default -F _kmod4j_loaded_modules modprobe\nlsmod: none\n",
                    bash(bin, "source " + script + "; " + SHOW));

            // lsmod as a symlink to the launcher: kmod4j's options.
            java.nio.file.Files.delete(bin.resolve("lsmod"));
            java.nio.file.Files.createSymbolicLink(bin.resolve("lsmod"), launcher);
            assertEquals("complete -o default -F _kmod4j_lsmod lsmod\n",
                    bash(bin, "source " + script + "; complete -p lsmod"));
        } finally {
            try (var files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
