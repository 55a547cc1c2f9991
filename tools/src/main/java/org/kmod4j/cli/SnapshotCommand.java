package org.kmod4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import org.kmod4j.api.BadInputException;
import org.kmod4j.host.FixtureException;
import org.kmod4j.snapshot.Snapshot;
import org.kmod4j.snapshot.SnapshotFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kmod4j snapshot}: the module state of this machine or a fixture, as one snapshot file. */
@Command(name = "kmod4j snapshot", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Write the module state of this machine (or of a fixture tree) as one portable text file "
                + "(docs/snapshot-format.md): /proc/modules, each module's sysfs attributes, the module directory's "
                + "indexes, modprobe.d, the kernel release, tainted and modules_disabled.",
                "Every tool reads it with --sim FILE and behaves as on the original; 'kmod4j explain' too. "
                        + "Only reads: nothing is changed, and no privilege is needed."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:the snapshot was written", "1:the state could not be read or the file not written",
                "2:bad usage"})
final class SnapshotCommand implements Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", description = "a fixture tree standing in for / (default: /)")
    Path root;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "where to write it (default: stdout)")
    Path output;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        return run(root, output, spec.commandLine().getOut(), spec.commandLine().getErr());
    }

    static int run(Path root, Path output, PrintWriter out, PrintWriter err) {
        Path from = root == null ? Path.of("/") : root;
        if (!Files.isDirectory(from)) {
            err.println("kmod4j snapshot: --root " + BadInputException.printable(from.toString())
                    + ": not a directory.");
            return 1;
        }
        String text;
        try {
            Snapshot s = SnapshotFormat.capture(from);
            text = SnapshotFormat.write(s);
        } catch (BadInputException | FixtureException e) {
            err.println("kmod4j snapshot: " + e.getMessage());
            return 1;
        }
        if (output == null) {
            out.print(text);
            out.flush();
            return 0;
        }
        try {
            Path dir = output.toAbsolutePath().getParent();
            Path tmp = Files.createTempFile(dir, ".kmod4j-snapshot", ".tmp");
            try {
                Files.writeString(tmp, text, StandardCharsets.UTF_8);
                Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException | RuntimeException e) {
            err.println("kmod4j snapshot: " + BadInputException.printable(output.toString())
                    + ": cannot write it: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
            return 1;
        }
        return 0;
    }
}
