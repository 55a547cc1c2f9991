package org.kmod4j.tools;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.kmod4j.modules.CommandRunner;

/**
 * modprobe's {@code command_do()}: a modprobe.d {@code remove} command run as {@code system()} runs it,
 * {@code /bin/sh -c COMMAND} in the tool's working directory, with the tool's environment plus
 * {@code MODPROBE_OPTIONS} (the options modprobe passes on) and {@code MODPROBE_MODULE}, its output copied to the
 * tool's own streams.
 */
final class ShellCommand implements CommandRunner {
    private final ToolIo io;
    private final Map<String, String> environment;
    private final String modprobeOptions;

    ShellCommand(ToolIo io, Map<String, String> environment, String modprobeOptions) {
        this.io = io;
        this.environment = environment;
        this.modprobeOptions = modprobeOptions;
    }

    /** The exit status of {@code /bin/sh -c cmd}, -1 when it cannot run. */
    @Override
    public int run(String cmd, String modname) {
        io.out().flush();
        io.err().flush();
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", cmd);
        Map<String, String> childEnv = pb.environment();
        childEnv.clear();
        childEnv.putAll(environment);
        if (modprobeOptions != null) {
            childEnv.put("MODPROBE_OPTIONS", modprobeOptions);
        }
        childEnv.put("MODPROBE_MODULE", modname);
        pb.directory(io.cwd().toFile());
        pb.redirectInput(ProcessBuilder.Redirect.INHERIT);
        Process p;
        try {
            p = pb.start();
        } catch (IOException | RuntimeException ex) {
            return -1;
        }
        Thread outCopy = copier(p.getInputStream(), io.out());
        Thread errCopy = copier(p.getErrorStream(), io.err());
        int status;
        try {
            status = p.waitFor();
            outCopy.join();
            errCopy.join();
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
        return status & 0xff;
    }

    private static Thread copier(InputStream in, PrintWriter out) {
        return Thread.ofVirtual().start(() -> {
            try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
                char[] buf = new char[4096];
                int n;
                while ((n = r.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (IOException ex) {
                // the command went away
            }
        });
    }
}
