package org.kmod4j.sim;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.Taint;

/**
 * A {@code .ko} file that {@code finit_module} can load: what the kernel learns from it at load time.
 *
 * @param name       the module's name
 * @param coreSize   the core size, as {@code /proc/modules} and {@code coresize} show it once the module is live
 * @param initSize   the init size, added to the size column while the module is loading
 * @param taints     the taints the module brings ({@code O} out-of-tree, {@code E} unsigned, ...)
 * @param exports    the symbols it exports
 * @param uses       the symbols it uses; each one exported by another module makes that module a holder target
 * @param init       its init function, if any
 * @param exit       its exit function, if any
 * @param initError  what init returns, if it fails
 * @param device     a character device whose open() holds a reference on the module, if any
 * @param parameters the names of its module parameters (a {@code parameters/} directory in sysfs when not empty)
 * @param autoclean  2.4 only: loaded with MOD_AUTOCLEAN (insmod -k), so the NULL-name sweep may unload it
 */
public record ModuleImage(ModuleName name, long coreSize, long initSize, Set<Taint> taints, List<String> exports,
                          List<String> uses, Optional<Function> init, Optional<Function> exit,
                          Optional<Errno> initError, Optional<String> device, List<String> parameters,
                          boolean autoclean) {

    /**
     * An image; the collections are copied.
     *
     * @throws IllegalArgumentException for a negative size, or an {@code initError} without an init function
     */
    public ModuleImage {
        Objects.requireNonNull(name);
        taints = Set.copyOf(taints);
        exports = List.copyOf(exports);
        uses = List.copyOf(uses);
        parameters = List.copyOf(parameters);
        if (coreSize < 0 || initSize < 0) {
            throw new IllegalArgumentException("negative size for " + name);
        }
        if (init.isEmpty() && initError.isPresent()) {
            throw new IllegalArgumentException(name + ": initret needs an init function");
        }
    }

    /**
     * An init or exit function: how long it runs, fixed or taken from a module parameter at load time.
     *
     * @param fixedMillis       the run time in milliseconds, when no parameter gives it
     * @param durationParameter the module parameter whose value is the run time in milliseconds, if any
     */
    public record Function(long fixedMillis, Optional<String> durationParameter) {
        /** {@return a function that returns at once} */
        public static Function instant() {
            return new Function(0, Optional.empty());
        }

        /**
         * A function that runs for a fixed time.
         *
         * @param millis the run time in milliseconds
         * @return the function
         */
        public static Function taking(long millis) {
            return new Function(millis, Optional.empty());
        }

        /**
         * A function that runs as many milliseconds as a module parameter says at load time.
         *
         * @param parameter the parameter's name
         * @return the function
         */
        public static Function takingParameter(String parameter) {
            return new Function(0, Optional.of(parameter));
        }

        /** The run time given the load's parameter values (an unparsable or missing value counts as 0). */
        long millis(Map<String, String> parameterValues) {
            if (durationParameter.isEmpty()) {
                return fixedMillis;
            }
            try {
                return Math.max(0, Long.parseLong(parameterValues.getOrDefault(durationParameter.get(), "0")));
            } catch (NumberFormatException e) {
                return 0;
            }
        }
    }

    /**
     * A builder with the defaults of a plain in-memory module: no taint, init and exit that return at once.
     *
     * @param name the module's name
     * @return the builder
     */
    public static Builder builder(String name) {
        return new Builder(ModuleName.of(name));
    }

    /** {@return whether {@code /proc/modules} calls it {@code [permanent]}: an init function and no exit function} */
    public boolean permanent() {
        return init.isPresent() && exit.isEmpty();
    }

    /** Builds a {@link ModuleImage} step by step; {@link ModuleImage#builder} gives one with the defaults. */
    public static final class Builder {
        private final ModuleName name;
        private long coreSize = 16384;
        private long initSize;
        private Set<Taint> taints = Set.of();
        private List<String> exports = List.of();
        private List<String> uses = List.of();
        private Optional<Function> init = Optional.of(Function.instant());
        private Optional<Function> exit = Optional.of(Function.instant());
        private Optional<Errno> initError = Optional.empty();
        private Optional<String> device = Optional.empty();
        private List<String> parameters = List.of();
        private boolean autoclean;

        private Builder(ModuleName name) {
            this.name = name;
        }

        /**
         * The size of its core, 16384 by default.
         *
         * @param bytes the core size in bytes
         * @return this builder
         */
        public Builder coreSize(long bytes) {
            this.coreSize = bytes;
            return this;
        }

        /**
         * The size of its init section, 0 by default.
         *
         * @param bytes the init size in bytes
         * @return this builder
         */
        public Builder initSize(long bytes) {
            this.initSize = bytes;
            return this;
        }

        /**
         * Its taint flags, none by default.
         *
         * @param taints the taint flags loading it sets
         * @return this builder
         */
        public Builder taints(Set<Taint> taints) {
            this.taints = taints;
            return this;
        }

        /**
         * The symbols it exports, none by default.
         *
         * @param symbols the exported symbols
         * @return this builder
         */
        public Builder exports(String... symbols) {
            this.exports = List.of(symbols);
            return this;
        }

        /**
         * The symbols it uses, none by default.
         *
         * @param symbols the symbols it uses
         * @return this builder
         */
        public Builder uses(String... symbols) {
            this.uses = List.of(symbols);
            return this;
        }

        /**
         * Its init function, an instant one by default.
         *
         * @param init the init function, or {@code null} for none
         * @return this builder
         */
        public Builder init(Function init) {
            this.init = Optional.ofNullable(init);
            return this;
        }

        /**
         * Its exit function, an instant one by default.
         *
         * @param exit the exit function, or {@code null} for none
         * @return this builder
         */
        public Builder exit(Function exit) {
            this.exit = Optional.ofNullable(exit);
            return this;
        }

        /**
         * What its init function returns, success by default.
         *
         * @param errno the errno init fails with, or {@code null} for success
         * @return this builder
         */
        public Builder initError(Errno errno) {
            this.initError = Optional.ofNullable(errno);
            return this;
        }

        /**
         * A character device whose open() holds a reference on the module; none by default.
         *
         * @param path the device's path, or {@code null} for none
         * @return this builder
         */
        public Builder device(String path) {
            this.device = Optional.ofNullable(path);
            return this;
        }

        /**
         * Its module parameters, none by default.
         *
         * @param names the parameters' names
         * @return this builder
         */
        public Builder parameters(String... names) {
            this.parameters = List.of(names);
            return this;
        }

        /**
         * 2.4 only: whether it was loaded with MOD_AUTOCLEAN ({@code insmod -k}); false by default.
         *
         * @param autoclean whether the NULL-name sweep may unload it
         * @return this builder
         */
        public Builder autoclean(boolean autoclean) {
            this.autoclean = autoclean;
            return this;
        }

        /** {@return the image} */
        public ModuleImage build() {
            return new ModuleImage(name, coreSize, initSize, taints, exports, uses, init, exit, initError, device,
                    parameters, autoclean);
        }
    }
}
