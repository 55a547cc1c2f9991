package org.kmod4j.scenario;

import java.util.List;
import org.kmod4j.sim.BuiltinModule;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.sim.ModuleImage;

/**
 * A parsed scenario (docs/scenario-format.md): the declarations that set up the simulated kernel and the commands to
 * run, each with the line it came from.
 *
 * @param profile  the kernel ({@code kernel VERSION}); when not declared, the kernel of the run it is compared with
 *                 ({@link ScenarioParser#parse(String, org.kmod4j.sim.KernelProfile)}), else Debian 12's 6.1
 * @param images   the {@code module} declarations: the .ko files {@code load} can find
 * @param builtins the {@code builtin} declarations
 * @param commands the commands in file order
 */
public record Scenario(KernelProfile profile, List<ModuleImage> images, List<BuiltinModule> builtins,
                       List<Command> commands) {

    public Scenario {
        images = List.copyOf(images);
        builtins = List.copyOf(builtins);
        commands = List.copyOf(commands);
    }

    /** The commands of the format. */
    public enum Verb {
        LOAD, DEL, DELPTR, OPEN, CLOSE, CAT, LS, WRITE, DROPCAP, SLEEP, WAIT,
        /** kmod4j's additions (docs/scenario-format.md): the kernel log, a bare reference, 2.4's calls. */
        DMESG, GET, PUT, CREATE, QUERY
    }

    /**
     * One command line.
     *
     * @param line       its line number (1-based)
     * @param text       the line as written, for the RESULT record
     * @param background whether it runs in a second process ({@code bg}, {@code bgload}, {@code bgdel})
     * @param verb       what it does
     * @param args       its arguments, {@code ""} already turned into an empty string
     */
    public record Command(int line, String text, boolean background, Verb verb, List<String> args) {
        public Command {
            args = List.copyOf(args);
        }

        public String arg(int i) {
            return args.get(i);
        }
    }
}
