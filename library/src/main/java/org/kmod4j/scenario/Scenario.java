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

    /** A scenario; the lists are copied. */
    public Scenario {
        images = List.copyOf(images);
        builtins = List.copyOf(builtins);
        commands = List.copyOf(commands);
    }

    /** The commands of the format. */
    public enum Verb {
        /** {@code load NAME PARAMS}: {@code finit_module()} of a declared image. */
        LOAD,
        /** {@code del NAME FLAGS}: {@code delete_module()}. */
        DEL,
        /** {@code delptr ADDR FLAGS}: {@code delete_module()} with a raw user pointer that is not mapped. */
        DELPTR,
        /** {@code open SLOT PATH}: {@code open(PATH, O_RDONLY)}, the descriptor kept in a slot. */
        OPEN,
        /** {@code close SLOT}: {@code close()} of the descriptor in a slot. */
        CLOSE,
        /** {@code cat PATH}: reads a kernel file. */
        CAT,
        /** {@code ls PATH}: lists a kernel directory. */
        LS,
        /** {@code write PATH TEXT}: writes a kernel file. */
        WRITE,
        /** {@code dropcap}: drops CAP_SYS_MODULE from the caller's effective set. */
        DROPCAP,
        /** {@code sleep MS}: lets MS milliseconds pass. */
        SLEEP,
        /** {@code wait}: waits until every background command has finished. */
        WAIT,
        /** kmod4j's addition (docs/scenario-format.md): the kernel log since the last {@code dmesg}. */
        DMESG,
        /** kmod4j's addition: a bare reference, {@code try_module_get()}, held by the kernel. */
        GET,
        /** kmod4j's addition: {@code module_put()} of a reference taken with {@code get}. */
        PUT,
        /** kmod4j's addition: 2.4's {@code create_module()}. */
        CREATE,
        /** kmod4j's addition: 2.4's {@code query_module()}. */
        QUERY
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
        /** A command; {@code args} is copied. */
        public Command {
            args = List.copyOf(args);
        }

        /**
         * One argument.
         *
         * @param i its index, from 0
         * @return the argument
         * @throws IndexOutOfBoundsException when the command has fewer arguments
         */
        public String arg(int i) {
            return args.get(i);
        }
    }
}
