package org.kmod4j.sim;

import java.util.List;
import org.kmod4j.api.ModuleName;

/**
 * Code compiled into the kernel that still has a {@code /sys/module/NAME} directory (because it has parameters or a
 * version), but no {@code /proc/modules} line; {@code delete_module} on it gives ENOENT (kernel.md §5.2).
 */
public record BuiltinModule(ModuleName name, List<String> parameters) {
    public BuiltinModule {
        parameters = List.copyOf(parameters);
    }
}
