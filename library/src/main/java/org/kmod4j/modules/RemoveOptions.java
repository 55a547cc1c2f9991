package org.kmod4j.modules;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How {@link Kmod#remove} removes modules. Immutable; made with {@link #rmmod()} or {@link #modprobe()} and the
 * {@link Builder}'s typed options:
 *
 * {@snippet :
 * RemoveOptions options = RemoveOptions.modprobe()     // aliases, modprobe.d, unused dependencies
 *         .withHolders()                               // modprobe --remove-holders
 *         .waitUpTo(Duration.ofSeconds(5))             // modprobe -w 5000
 *         .build();
 * }
 */
public final class RemoveOptions {
    /** The two ways kmod removes modules. */
    public enum Semantics {
        /**
         * {@code rmmod}: each argument is a module name or the path of a module file; exactly those modules are
         * removed, and one that is not loaded, builtin or in use is a failure (checked before {@code delete_module},
         * unless forced).
         */
        RMMOD,
        /**
         * {@code modprobe -r}: each argument is looked up as modprobe does (modprobe.d aliases, the module
         * directory's dependencies, aliases, symbols and builtin indexes); soft dependencies and modprobe.d
         * {@code remove} commands are honoured; dependencies left unused are removed after the module. A module that
         * is not loaded is already absent: not a failure (unless {@link Builder#requireLoaded()}).
         */
        MODPROBE
    }

    /** What to do with a modprobe.d {@code remove} command (modprobe semantics only). */
    public enum Commands {
        /** Run it with the {@link CommandRunner} instead of removing the module. */
        RUN,
        /**
         * Do not run it: report it as a {@link Reason#COMMAND_NOT_RUN} step and go on as if it had succeeded. The
         * default: a library never runs a configuration's commands unless asked to.
         */
        REPORT,
        /** Ignore the configuration's remove commands and soft dependencies ({@code modprobe -i}). */
        IGNORE
    }

    private final Semantics semantics;
    private final boolean force;
    private final boolean dryRun;
    private final Duration wait;
    private final boolean withHolders;
    private final Commands commands;
    private final boolean requireLoaded;
    private final boolean assumeLoaded;
    private final boolean stopAtFatal;
    private final RemovalListener listener;
    private final CommandRunner runner;
    private final Path workingDirectory;

    private RemoveOptions(Builder b) {
        this.semantics = b.semantics;
        this.force = b.force;
        this.dryRun = b.dryRun;
        this.wait = b.wait;
        this.withHolders = b.withHolders;
        this.commands = b.commands;
        this.requireLoaded = b.requireLoaded;
        this.assumeLoaded = b.assumeLoaded;
        this.stopAtFatal = b.stopAtFatal;
        this.listener = b.listener;
        this.runner = b.runner;
        this.workingDirectory = b.workingDirectory;
    }

    /** {@return A builder of rmmod's semantics: exactly the named modules} */
    public static Builder rmmod() {
        return new Builder(Semantics.RMMOD);
    }

    /** {@return A builder of modprobe -r's semantics: lookup, soft dependencies, commands, unused dependencies} */
    public static Builder modprobe() {
        return new Builder(Semantics.MODPROBE);
    }

    /** {@return A builder holding these options, to change some of them} */
    public Builder toBuilder() {
        Builder b = new Builder(semantics);
        b.force = force;
        b.dryRun = dryRun;
        b.wait = wait;
        b.withHolders = withHolders;
        b.commands = commands;
        b.requireLoaded = requireLoaded;
        b.assumeLoaded = assumeLoaded;
        b.stopAtFatal = stopAtFatal;
        b.listener = listener;
        b.runner = runner;
        b.workingDirectory = workingDirectory;
        return b;
    }

    /** {@return rmmod's or modprobe's semantics} */
    public Semantics semantics() {
        return semantics;
    }

    /** {@return whether {@code delete_module} gets {@code O_TRUNC} ({@code RemoveFlag.FORCE})} */
    public boolean force() {
        return force;
    }

    /** {@return whether nothing is removed or run, only checked and reported} */
    public boolean dryRun() {
        return dryRun;
    }

    /** {@return how long a removal waits for the module's last reference; {@link Duration#ZERO} for no wait} */
    public Duration waitTimeout() {
        return wait == null ? Duration.ZERO : wait;
    }

    /** {@return whether the modules holding an argument are removed first} */
    public boolean withHolders() {
        return withHolders;
    }

    /** {@return what happens to modprobe.d remove commands} */
    public Commands commands() {
        return commands;
    }

    /** {@return whether a module that is not loaded is a failure even with modprobe semantics} */
    public boolean requireLoaded() {
        return requireLoaded;
    }

    /** {@return whether the checks that a module is loaded and unused are skipped (modprobe {@code -D})} */
    public boolean assumeLoaded() {
        return assumeLoaded;
    }

    /** {@return whether the call stops at the first failure modprobe reports as FATAL} */
    public boolean stopAtFatal() {
        return stopAtFatal;
    }

    /** {@return who follows the removal} */
    public RemovalListener listener() {
        return listener;
    }

    /** {@return who runs remove commands} */
    public CommandRunner commandRunner() {
        return runner;
    }

    /** {@return the directory relative module paths (rmmod semantics) are looked up from} */
    public Path workingDirectory() {
        return workingDirectory;
    }

    /** Builds {@link RemoveOptions}. */
    public static final class Builder {
        private final Semantics semantics;
        private boolean force;
        private boolean dryRun;
        private Duration wait;
        private boolean withHolders;
        private Commands commands = Commands.REPORT;
        private boolean requireLoaded;
        private boolean assumeLoaded;
        private boolean stopAtFatal;
        private RemovalListener listener = RemovalListener.NONE;
        private CommandRunner runner = CommandRunner.SHELL;
        private Path workingDirectory = Path.of("").toAbsolutePath();

        private Builder(Semantics semantics) {
            this.semantics = semantics;
        }

        /**
         * Passes {@code O_TRUNC} to {@code delete_module}, and (rmmod semantics) skips the in-use checks before it. The
         * kernel then removes a module whose count is not zero, taints itself and may crash later: dangerous.
         *
         * @return this builder
         */
        public Builder force() {
            this.force = true;
            return this;
        }

        /** {@return only checks and reports: no {@code delete_module}, no command} */
        public Builder dryRun() {
            this.dryRun = true;
            return this;
        }

        /**
         * Waits up to {@code timeout} for the module's last reference to go instead of failing at once with
         * {@link Reason#IN_USE} ({@code modprobe -w}); {@link RemovalListener#waiting} reports progress.
         * {@link Duration#ZERO} waits not at all.
         *
         * @throws IllegalArgumentException for a negative timeout
         * @param timeout the longest wait
         * @return this builder
         */
        public Builder waitUpTo(Duration timeout) {
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("negative wait: " + timeout);
            }
            this.wait = timeout.isZero() ? null : timeout;
            return this;
        }

        /** {@return removes the modules that hold each argument first ({@code modprobe --remove-holders}); modprobe only} */
        public Builder withHolders() {
            requireModprobe("withHolders");
            this.withHolders = true;
            return this;
        }

        /**
         * What to do with modprobe.d remove commands; modprobe only. The default is {@link Commands#REPORT}.
         *
         * @param what run, report or ignore
         * @return this builder
         */
        public Builder commands(Commands what) {
            requireModprobe("commands");
            this.commands = Objects.requireNonNull(what);
            return this;
        }

        /** {@return A module that is not loaded is a failure ({@code modprobe --first-time}); modprobe only} */
        public Builder requireLoaded() {
            requireModprobe("requireLoaded");
            this.requireLoaded = true;
            return this;
        }

        /** {@return skips the loaded and in-use checks, as {@code modprobe -D} does; modprobe only} */
        public Builder assumeLoaded() {
            requireModprobe("assumeLoaded");
            this.assumeLoaded = true;
            return this;
        }

        /**
         * Stops the whole call at the first failure modprobe reports as FATAL (not found, builtin, in use, a failed
         * command), where kmod's modprobe exits; later arguments are {@link Removal.Status#NOT_PROCESSED}. Without
         * it, the call goes on with the next argument. modprobe only.
         *
         * @param stop whether to stop
         * @return this builder
         */
        public Builder stopAtFatal(boolean stop) {
            requireModprobe("stopAtFatal");
            this.stopAtFatal = stop;
            return this;
        }

        /**
         * Who follows the removal (none by default).
         *
         * @param l the listener
         * @return this builder
         */
        public Builder listener(RemovalListener l) {
            this.listener = Objects.requireNonNull(l);
            return this;
        }

        /**
         * Who runs remove commands with {@link Commands#RUN} ({@link CommandRunner#SHELL} by default).
         *
         * @param r the runner
         * @return this builder
         */
        public Builder commandRunner(CommandRunner r) {
            this.runner = Objects.requireNonNull(r);
            return this;
        }

        /**
         * The directory relative module paths are looked up from (the process's by default).
         *
         * @param dir the directory
         * @return this builder
         */
        public Builder workingDirectory(Path dir) {
            this.workingDirectory = dir.toAbsolutePath();
            return this;
        }

        /** {@return the options} */
        public RemoveOptions build() {
            return new RemoveOptions(this);
        }

        private void requireModprobe(String option) {
            if (semantics != Semantics.MODPROBE) {
                throw new IllegalStateException(option + " is an option of modprobe semantics (RemoveOptions.modprobe())");
            }
        }
    }
}
