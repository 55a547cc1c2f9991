package org.kmod4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.kmod4j.api.BadInputException;
import org.kmod4j.graph.DotRenderer;
import org.kmod4j.graph.JsonRenderer;
import org.kmod4j.graph.ModuleGraph;
import org.kmod4j.graph.SvgRenderer;
import org.kmod4j.modules.Kmod;
import org.kmod4j.modules.KmodException;
import org.kmod4j.tools.Target;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kmod4j graph}: the loaded modules, who uses whom, and what removing some of them would remove. */
@Command(name = "graph", mixinStandardHelpOptions = true,
        description = {"Draw the loaded modules as a graph: a box per module (name, size, reference count, state, "
                + "[permanent]), an arrow from each user to the module it uses (/sys/module/NAME/holders).",
                "With MODULEs, highlight what 'modprobe -r MODULE...' would remove, numbered in removal order, and "
                        + "what it would fail to remove. It is computed on a simulated copy of the modules: nothing "
                        + "is removed. See docs/graph.md."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the graph was written", "1:it could not be (unknown module, unreadable --root or --sim, "
                + "unwritable -o)", "2:bad usage"})
final class GraphCommand implements Callable<Integer> {

    /** The output formats. */
    enum Format { dot, svg, json }

    @Option(names = "--root", paramLabel = "DIR", description = "a fixture tree standing in for / (default: this host)")
    String root;

    @Option(names = "--sim", paramLabel = "FILE", description = "a scenario file (docs/scenario-format.md)")
    String sim;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "dot",
            description = "dot (Graphviz text), svg (laid out by Eclipse ELK) or json; default: ${DEFAULT-VALUE}")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write to FILE instead of standard output")
    Path output;

    @Parameters(paramLabel = "MODULE", arity = "0..*", description = "modules whose removal set to highlight")
    List<String> modules = List.of();

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Kmod kmod;
        try {
            kmod = Target.open(new Target.Options(root, sim, null));
        } catch (Target.TargetException e) {
            err.println("kmod4j graph: " + e.getMessage());
            return 1;
        }
        ModuleGraph graph;
        try {
            graph = ModuleGraph.of(kmod, modules);
        } catch (ModuleGraph.UnknownModuleException | KmodException e) {
            err.println("kmod4j graph: " + BadInputException.printable(e.getMessage()));
            return 1;
        }
        String text = switch (format) {
            case dot -> DotRenderer.render(graph);
            case json -> JsonRenderer.render(graph);
            case svg -> SvgRenderer.render(graph);
        };
        if (output == null) {
            out.print(text);
            out.flush();
            return 0;
        }
        try {
            Files.writeString(output, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            String reason = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null
                    ? fse.getReason() : e instanceof java.nio.file.AccessDeniedException ? "Permission denied"
                    : e.getMessage();
            err.println("kmod4j graph: cannot write " + BadInputException.printable(output.toString()) + ": "
                    + (reason == null ? "input/output error" : reason));
            return 1;
        }
        return 0;
    }
}
