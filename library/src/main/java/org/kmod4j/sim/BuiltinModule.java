package org.kmod4j.sim;

import java.util.List;
import org.kmod4j.api.ModuleName;

/**
 * Code compiled into the kernel that still has a {@code /sys/module/NAME} directory (because it has parameters or a
 * version), but no {@code /proc/modules} line; {@code delete_module} on it gives ENOENT (docs/kernel-rules.md,
 * "/sys/module").
 *
 * @param name          the module's name
 * @param hasParameters whether it has a {@code parameters/} directory
 * @param parameters    the parameter names known to the simulator (may be empty even when it has parameters)
 */
public record BuiltinModule(ModuleName name, boolean hasParameters, List<String> parameters) {
    /**
     * A built-in module; {@code parameters} is copied.
     *
     * @throws IllegalArgumentException when parameters are named but {@code hasParameters} is false
     */
    public BuiltinModule {
        parameters = List.copyOf(parameters);
        if (!parameters.isEmpty() && !hasParameters) {
            throw new IllegalArgumentException(name + ": parameters named but hasParameters is false");
        }
    }

    /**
     * A built-in with these parameters (none: no {@code parameters/} directory).
     *
     * @param name       the module's name
     * @param parameters the parameter names
     * @return the built-in module
     */
    public static BuiltinModule of(String name, String... parameters) {
        return new BuiltinModule(ModuleName.of(name), parameters.length > 0, List.of(parameters));
    }
}
