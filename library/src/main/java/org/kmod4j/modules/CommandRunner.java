package org.kmod4j.modules;

/**
 * Runs a modprobe.d {@code remove} command as modprobe does, {@code /bin/sh -c COMMAND} with {@code MODPROBE_MODULE}
 * set to the module's name, and returns its exit status (-1 when it could not run). Used only with
 * {@link RemoveOptions.Commands#RUN}.
 */
@FunctionalInterface
public interface CommandRunner {
    /** The default: {@code /bin/sh -c command}, with this process's environment, working directory and streams. */
    CommandRunner SHELL = (command, module) -> {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", command).inheritIO();
        pb.environment().put("MODPROBE_MODULE", module);
        try {
            return pb.start().waitFor() & 0xff;
        } catch (java.io.IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    };

    /**
     * Runs {@code command} for {@code module}.
     *
     * @return the exit status, 0 for success; -1 when the command could not be started
     * @param command the command, {@code $CMDLINE_OPTS} already removed
     * @param module  the module it stands for (MODPROBE_MODULE)
     */
    int run(String command, String module);
}
