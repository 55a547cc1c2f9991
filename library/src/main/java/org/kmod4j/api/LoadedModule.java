package org.kmod4j.api;

import java.util.List;

/**
 * One module as {@code /proc/modules} and {@code /sys/module} show it.
 *
 * @param name       the module's name
 * @param size       the size column of {@code /proc/modules} (core plus init while loading)
 * @param refcount   {@code module_refcount()}: -1 while GOING after a normal stop
 * @param holders    the modules that use this one, newest first (the "used by" column)
 * @param state      LIVE, COMING or GOING (UNFORMED modules are never listed)
 * @param taints     the module's own taint letters, in bit order (empty when untainted)
 * @param permanent  whether it has an init function and no exit function ({@code [permanent],})
 */
public record LoadedModule(ModuleName name, long size, int refcount, List<ModuleName> holders, ModuleState state,
                           String taints, boolean permanent) {
    /** A module as listed; {@code holders} is copied. */
    public LoadedModule {
        holders = List.copyOf(holders);
    }
}
