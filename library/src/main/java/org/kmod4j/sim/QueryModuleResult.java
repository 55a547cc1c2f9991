package org.kmod4j.sim;

import java.util.List;
import org.kmod4j.api.Errno;

/**
 * What 2.4's {@code query_module()} returned. Later kernels have no such call: ENOSYS.
 *
 * @param error the errno, or null on success
 * @param names the names for QM_MODULES, QM_DEPS and QM_REFS
 * @param info  {@code struct module_info} for QM_INFO
 */
public record QueryModuleResult(Errno error, List<String> names, ModuleInfo info) {

    /** The {@code which} argument (include/linux/module.h of 2.4). */
    public enum Which {
        /** The names of all loaded modules. */
        QM_MODULES(1),
        /** The names of the modules this one uses. */
        QM_DEPS(2),
        /** The names of the modules that use this one. */
        QM_REFS(3),
        /** The module's {@code struct module_info}. */
        QM_INFO(5);

        private final int value;

        Which(int value) {
            this.value = value;
        }

        /** {@return the number the syscall takes} */
        public int value() {
            return value;
        }
    }

    /**
     * {@code struct module_info}: address, size, MOD_* flags, use count.
     *
     * @param address  the module's load address
     * @param size     the module's size in bytes
     * @param flags    the {@code MOD_*} flags
     * @param usecount the module's use count
     */
    public record ModuleInfo(long address, long size, long flags, long usecount) {
    }

    /** A result; {@code names} is copied. */
    public QueryModuleResult {
        names = names == null ? null : List.copyOf(names);
    }

    static QueryModuleResult failed(Errno errno) {
        return new QueryModuleResult(errno, null, null);
    }

    static QueryModuleResult names(List<String> names) {
        return new QueryModuleResult(null, names, null);
    }

    static QueryModuleResult info(ModuleInfo info) {
        return new QueryModuleResult(null, null, info);
    }
}
