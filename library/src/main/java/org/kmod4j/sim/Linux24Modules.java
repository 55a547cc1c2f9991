package org.kmod4j.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.UserString;

/**
 * Linux 2.4's module calls (kernel/module.c of 2.4.27; docs/kernel-generations.md, "2.4"): the one-argument
 * {@code delete_module}, whose NULL name runs the autoclean sweep, {@code create_module} and {@code query_module}.
 *
 * <p>2.4 kept no reference per dependent: a module's use count is the references taken with
 * {@code try_inc_mod_count}, and its users are a separate chain ({@code mod->refs}) that makes it EBUSY. The
 * simulator counts a dependent as a reference (as later kernels do), so 2.4's use count is the count minus the users.
 */
final class Linux24Modules {
    /** PAGE_SIZE: get_mod_name() copies at most a page. */
    static final int PAGE_SIZE = 4096;

    private final SimulatedKernel kernel;

    Linux24Modules(SimulatedKernel kernel) {
        this.kernel = kernel;
    }

    /** 2.4's use count: {@code uc.usecount}. */
    static int useCount(KernelModule mod) {
        return mod.refcount() - mod.sourceList.size();
    }

    /** {@code sys_delete_module(name_user)}: flags do not exist in 2.4. */
    SyscallResult deleteModule(Task caller, UserString userName) {
        if (!caller.hasCapSysModule()) {
            return SyscallResult.failed(Errno.EPERM);
        }
        if (userName instanceof UserString.Unmapped u && u.address() == 0) {
            autocleanSweep();
            return SyscallResult.ok();
        }
        NameOrError name = getModName(userName);
        if (name.error != null) {
            return SyscallResult.failed(name.error);
        }
        KernelModule mod;
        kernel.moduleMutex.lock();
        try {
            mod = kernel.findModule(name.name);
            if (mod == null) {
                return SyscallResult.failed(Errno.ENOENT);
            }
            // Another module depends on it: 2.4 says EBUSY, not EWOULDBLOCK.
            if (!mod.sourceList.isEmpty() || useCount(mod) != 0) {
                return SyscallResult.failed(Errno.EBUSY);
            }
            mod.state = ModuleState.GOING; // MOD_DELETED
        } finally {
            kernel.moduleMutex.unlock();
        }
        freeModule(mod, false);
        return SyscallResult.ok();
    }

    /**
     * The NULL-name sweep: unload every unused autoclean module that was used once, giving a second chance to those
     * used since the last sweep (VISITED), unless a user of theirs was just freed in this sweep. Restarts while
     * anything changed; clears JUST_FREED at the end.
     */
    private void autocleanSweep() {
        boolean changed;
        do {
            changed = false;
            for (KernelModule mod : newestFirst()) {
                boolean candidate;
                kernel.moduleMutex.lock();
                try {
                    candidate = mod.state == ModuleState.LIVE && mod.image.autoclean() && mod.usedOnce
                            && mod.sourceList.isEmpty() && useCount(mod) == 0;
                    if (candidate && mod.visited && !mod.justFreed) {
                        mod.visited = false;
                        candidate = false;
                    } else if (candidate) {
                        mod.state = ModuleState.GOING;
                    }
                } finally {
                    kernel.moduleMutex.unlock();
                }
                if (candidate) {
                    freeModule(mod, true);
                    changed = true;
                }
            }
        } while (changed);
        kernel.moduleMutex.lock();
        try {
            for (KernelModule mod : kernel.moduleList()) {
                mod.justFreed = false;
            }
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    /** {@code free_module(mod, tag_freed)}: cleanup() if it was running, then unhook it from its dependencies. */
    private void freeModule(KernelModule mod, boolean tagFreed) {
        if (!mod.uninitialized) {
            mod.image.exit().ifPresent(exit -> kernel.clock().sleep(exit.millis(mod.parameterValues)));
        }
        List<KernelModule> targets;
        kernel.moduleMutex.lock();
        try {
            targets = new ArrayList<>(mod.targetList);
        } finally {
            kernel.moduleMutex.unlock();
        }
        kernel.freeModule(mod);
        if (tagFreed) {
            kernel.moduleMutex.lock();
            try {
                for (KernelModule dep : targets) {
                    if (dep.sourceList.isEmpty()) {
                        dep.justFreed = true;
                    }
                }
            } finally {
                kernel.moduleMutex.unlock();
            }
        }
        kernel.moduleWq.wakeAll();
    }

    private List<KernelModule> newestFirst() {
        kernel.moduleMutex.lock();
        try {
            List<KernelModule> list = kernel.moduleList();
            java.util.Collections.reverse(list);
            return list;
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    private record NameOrError(String name, Errno error) {
    }

    /** {@code get_mod_name()}: EFAULT, EINVAL for "", ENAMETOOLONG for a page or more. */
    static NameOrError getModName(UserString userName) {
        if (userName instanceof UserString.Unmapped) {
            return new NameOrError(null, Errno.EFAULT);
        }
        byte[] bytes = ((UserString.Bytes) userName).bytes();
        int length = 0;
        while (length < bytes.length && bytes[length] != 0) {
            length++;
        }
        if (length == 0) {
            return new NameOrError(null, Errno.EINVAL);
        }
        if (length >= PAGE_SIZE) {
            return new NameOrError(null, Errno.ENAMETOOLONG);
        }
        return new NameOrError(new String(bytes, 0, length, StandardCharsets.UTF_8), null);
    }

    /** {@code sys_create_module(name, size)}: an uninitialized module on the list, until init_module or delete. */
    SyscallResult createModule(Task caller, UserString userName, long size) {
        if (!caller.hasCapSysModule()) {
            return SyscallResult.failed(Errno.EPERM);
        }
        NameOrError name = getModName(userName);
        if (name.error != null) {
            return SyscallResult.failed(name.error);
        }
        if (size < 64) { // sizeof(struct module) on 2.4; a smaller size is EINVAL
            return SyscallResult.failed(Errno.EINVAL);
        }
        kernel.moduleMutex.lock();
        try {
            if (kernel.findModule(name.name) != null) {
                return SyscallResult.failed(Errno.EEXIST);
            }
            ModuleImage image = kernel.image(name.name).orElseGet(() -> ModuleImage.builder(name.name)
                    .coreSize(size).init(null).exit(null).build());
            KernelModule mod = new KernelModule(image, kernel.allocateAddress(size), java.util.Map.of());
            mod.refcnt.set(KernelModule.MODULE_REF_BASE);
            mod.uninitialized = true;
            mod.state = ModuleState.COMING;
            kernel.addToList(mod);
        } finally {
            kernel.moduleMutex.unlock();
        }
        return SyscallResult.ok();
    }

    /** {@code query_module()}: names, dependencies, users, or {@code struct module_info}. */
    QueryModuleResult queryModule(UserString userName, QueryModuleResult.Which which) {
        KernelModule mod = null;
        if (!(userName instanceof UserString.Unmapped u && u.address() == 0)) {
            NameOrError name = getModName(userName);
            if (name.error != null) {
                return QueryModuleResult.failed(name.error);
            }
            kernel.moduleMutex.lock();
            try {
                mod = kernel.findModule(name.name);
            } finally {
                kernel.moduleMutex.unlock();
            }
            if (mod == null) {
                return QueryModuleResult.failed(Errno.ENOENT);
            }
        }
        kernel.moduleMutex.lock();
        try {
            return switch (which) {
                case QM_MODULES -> QueryModuleResult.names(newestFirstUnlocked().stream().map(m -> m.name).toList());
                case QM_DEPS -> QueryModuleResult.names(mod == null ? List.of()
                        : mod.targetList.stream().map(m -> m.name).toList());
                case QM_REFS -> QueryModuleResult.names(mod == null ? List.of()
                        : mod.sourceList.stream().map(m -> m.name).toList());
                case QM_INFO -> mod == null ? QueryModuleResult.failed(Errno.EINVAL)
                        : QueryModuleResult.info(new QueryModuleResult.ModuleInfo(mod.address, mod.image.coreSize(),
                                flags(mod), mod.state == ModuleState.LIVE ? useCount(mod) : 0));
            };
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    private List<KernelModule> newestFirstUnlocked() {
        List<KernelModule> list = kernel.moduleList();
        java.util.Collections.reverse(list);
        list.removeIf(m -> m.state == ModuleState.UNFORMED);
        return list;
    }

    /** The MOD_* flag word of a module. */
    static long flags(KernelModule mod) {
        long f = 0;
        if (mod.state == ModuleState.LIVE) {
            f |= 1; // MOD_RUNNING
        }
        if (mod.state == ModuleState.GOING) {
            f |= 2; // MOD_DELETED
        }
        if (mod.image.autoclean()) {
            f |= 4;
        }
        if (mod.visited) {
            f |= 8;
        }
        if (mod.usedOnce) {
            f |= 16;
        }
        if (mod.justFreed) {
            f |= 32;
        }
        if (mod.state == ModuleState.COMING && !mod.uninitialized) {
            f |= 64; // MOD_INITIALIZING
        }
        return f;
    }

    /** One line of 2.4's {@code /proc/modules} ({@code get_module_list}). Mutex held. */
    static void appendProcLine(StringBuilder out, KernelModule mod) {
        out.append(mod.name);
        for (int pad = 20 - mod.name.length(); pad > 0; pad--) {
            out.append(' ');
        }
        out.append(String.format("%8d", mod.image.coreSize()));
        if (mod.state == ModuleState.LIVE) {
            out.append(String.format("%4d", useCount(mod)));
        }
        if (mod.state == ModuleState.GOING) {
            out.append(" (deleted)");
        } else if (mod.state == ModuleState.LIVE) {
            if (mod.image.autoclean()) {
                out.append(" (autoclean)");
            }
            if (!mod.usedOnce) {
                out.append(" (unused)");
            }
        } else if (!mod.uninitialized) {
            out.append(" (initializing)");
        } else {
            out.append(" (uninitialized)");
        }
        if (!mod.sourceList.isEmpty()) {
            StringBuilder users = new StringBuilder();
            for (KernelModule user : mod.sourceList) {
                users.append(users.isEmpty() ? "" : " ").append(user.name);
            }
            out.append(" [").append(users).append(']');
        }
        out.append('\n');
    }
}
