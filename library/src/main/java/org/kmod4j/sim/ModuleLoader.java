package org.kmod4j.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.sim.time.KernelClock.WaitOutcome;

/**
 * The load side of kernel/module/main.c ({@code finit_module} → {@code load_module} → {@code do_init_module}), as
 * far as unloading needs it: enough to build every state a module can be in.
 */
final class ModuleLoader {
    /** {@code resolve_symbol_wait()} gives a COMING exporter this long to finish its init. */
    private static final long SYMBOL_WAIT_MILLIS = 30_000;

    private final SimulatedKernel kernel;

    ModuleLoader(SimulatedKernel kernel) {
        this.kernel = kernel;
    }

    SyscallResult loadModule(Task caller, String name, String parameterText) {
        // User space opens NAME.ko before it makes the syscall, so a missing file fails first.
        Optional<ModuleImage> found = kernel.image(name);
        if (found.isEmpty()) {
            return SyscallResult.failed(Errno.ENOENT);
        }
        ModuleImage image = found.get();
        // may_init_module()
        if (!caller.hasCapSysModule() || kernel.modulesDisabled()) {
            return SyscallResult.failed(Errno.EPERM);
        }
        if (!kernel.profile().idempotentFileLoad()) {
            return loadFile(image, parameterText);
        }
        // idempotent_init_module() (6.5 on): the first finit_module of a file (keyed by its inode; here the image)
        // loads it; callers arriving while that load is under way never read the file, and wait for it
        // (interruptibly) and return its result: 0 once the module's init has run, where 6.1 gave EEXIST.
        Idempotent mine = new Idempotent();
        Idempotent first;
        synchronized (loadsInFlight) {
            first = loadsInFlight.putIfAbsent(image.name().value(), mine);
        }
        if (first != null) {
            WaitOutcome outcome = kernel.moduleWq.await(() -> first.result != null, -1, true);
            return outcome == WaitOutcome.INTERRUPTED ? SyscallResult.failed(Errno.EINTR) : first.result;
        }
        SyscallResult result = null;
        try {
            result = loadFile(image, parameterText);
            return result;
        } finally {
            synchronized (loadsInFlight) {
                loadsInFlight.remove(image.name().value());
            }
            mine.result = result != null ? result : SyscallResult.failed(Errno.EINTR);
            kernel.moduleWq.wakeAll();
        }
    }

    /** One load of a file under way, for those who join it ({@code struct idempotent}). */
    private static final class Idempotent {
        volatile SyscallResult result;
    }

    /** The loads under way, by image name: {@code idem_hash}. */
    private final Map<String, Idempotent> loadsInFlight = new java.util.HashMap<>();

    /** {@code init_module_from_file()} → {@code load_module()} → {@code do_init_module()}. */
    private SyscallResult loadFile(ModuleImage image, String parameterText) {
        String name = image.name().value();
        Map<String, String> parameters = parseParameters(image, parameterText);
        // check_modinfo() and the signature check taint the kernel before any duplicate or symbol check.
        taintKernel(image);

        KernelModule mod;
        kernel.moduleMutex.lock();
        try {
            Errno duplicate = patientCheckExists(name);
            if (duplicate != null) {
                return SyscallResult.failed(duplicate);
            }
            mod = new KernelModule(image, kernel.allocateAddress(image.coreSize()), parameters);
            // module_unload_init(): the base reference, plus one held during initialization.
            mod.refcnt.set(KernelModule.MODULE_REF_BASE + 1);
            kernel.addToList(mod);
        } finally {
            kernel.moduleMutex.unlock();
        }

        for (String symbol : image.uses()) {
            Errno error = resolveSymbolWait(mod, symbol);
            if (error != null) {
                kernel.log().print(name + ": Unknown symbol " + symbol + " (err -" + error.number() + ")");
                kernel.freeModule(mod);
                kernel.moduleWq.wakeAll();
                return SyscallResult.failed(error);
            }
        }

        Errno formation = completeFormation(mod);
        if (formation != null) {
            kernel.freeModule(mod);
            kernel.moduleWq.wakeAll();
            return SyscallResult.failed(formation);
        }
        return doInitModule(mod);
    }

    /**
     * The duplicate check, as the profile's generation does it (add_unformed_module, later
     * module_patient_check_exists). Mutex held; released while waiting.
     */
    private Errno patientCheckExists(String name) {
        KernelProfile.DuplicateLoad rule = kernel.profile().duplicateLoad();
        KernelModule old = kernel.findModuleAll(name);
        while (old != null) {
            if (rule == KernelProfile.DuplicateLoad.EEXIST_ALWAYS) {
                return Errno.EEXIST;
            }
            boolean waits = rule == KernelProfile.DuplicateLoad.WAIT_UNLESS_LIVE
                    ? old.state != ModuleState.LIVE
                    : old.state == ModuleState.COMING || old.state == ModuleState.UNFORMED;
            if (!waits) {
                return old.state == ModuleState.LIVE ? Errno.EEXIST : Errno.EBUSY;
            }
            // "Wait in case it fails to load."
            kernel.moduleMutex.unlock();
            WaitOutcome outcome;
            try {
                outcome = kernel.moduleWq.await(() -> finishedLoading(name, rule), -1, true);
            } finally {
                kernel.moduleMutex.lock();
            }
            if (outcome == WaitOutcome.INTERRUPTED) {
                return Errno.EINTR;
            }
            old = kernel.findModuleAll(name);
            if (rule == KernelProfile.DuplicateLoad.PATIENT) {
                // Whatever happened meanwhile, do not load it again right now.
                return old != null && old.state == ModuleState.LIVE ? Errno.EEXIST : Errno.EBUSY;
            }
        }
        return null;
    }

    /**
     * {@code finished_loading()}: the same-name module is gone, or LIVE, or (only for the patient check, which
     * does not wait for it) GOING.
     */
    private boolean finishedLoading(String name, KernelProfile.DuplicateLoad rule) {
        kernel.moduleMutex.lock();
        try {
            KernelModule mod = kernel.findModuleAll(name);
            return mod == null || mod.state == ModuleState.LIVE
                    || (rule == KernelProfile.DuplicateLoad.PATIENT && mod.state == ModuleState.GOING);
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    private void taintKernel(ModuleImage image) {
        if (image.taints().contains(Taint.OOT_MODULE) && (kernel.taintedMask() & Taint.OOT_MODULE.mask()) == 0) {
            kernel.log().print(image.name() + ": loading out-of-tree module taints kernel.");
        }
        if (image.taints().contains(Taint.UNSIGNED_MODULE)
                && (kernel.taintedMask() & Taint.UNSIGNED_MODULE.mask()) == 0) {
            kernel.log().print(image.name()
                    + ": module verification failed: signature and/or required key missing - tainting kernel");
        }
        for (Taint t : image.taints()) {
            kernel.addTaint(t, false);
        }
    }

    /**
     * {@code resolve_symbol_wait()}: resolve one used symbol, waiting up to 30 s while its exporter is still COMING.
     *
     * @return null on success, else the load's errno
     */
    private Errno resolveSymbolWait(KernelModule mod, String symbol) {
        Errno[] result = new Errno[1];
        WaitOutcome outcome = kernel.moduleWq.await(() -> {
            result[0] = resolveSymbol(mod, symbol);
            return result[0] != Errno.EBUSY;
        }, SYMBOL_WAIT_MILLIS, true);
        if (outcome == WaitOutcome.TIMEOUT) {
            KernelModule owner = exporterOf(symbol);
            kernel.log().print(mod.name + ": gave up waiting for init of module "
                    + (owner == null ? "?" : owner.name) + ".");
        } else if (outcome == WaitOutcome.INTERRUPTED) {
            return Errno.EINTR;
        }
        return result[0];
    }

    private KernelModule exporterOf(String symbol) {
        kernel.moduleMutex.lock();
        try {
            return kernel.symbols().get(symbol);
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    /**
     * {@code resolve_symbol()} + {@code ref_module()}: find the exporter; the first use of it takes a reference with
     * {@code strong_try_module_get} (EBUSY while it is COMING, ENOENT once it cannot be got) and links the two.
     */
    private Errno resolveSymbol(KernelModule mod, String symbol) {
        kernel.moduleMutex.lock();
        try {
            KernelModule owner = kernel.symbols().get(symbol);
            if (owner == null) {
                return Errno.ENOENT;
            }
            if (mod.targetList.contains(owner)) {
                return null;
            }
            if (owner.state == ModuleState.COMING) {
                return Errno.EBUSY;
            }
            if (!owner.tryGet()) {
                return Errno.ENOENT;
            }
            // add_module_usage(): list_add puts the newest user at the head of the target's source_list.
            owner.sourceList.addFirst(mod);
            owner.usedOnce = true; // 2.4's sys_init_module marks each dependency MOD_USED_ONCE
            mod.targetList.add(owner);
            return null;
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    /** {@code complete_formation()}: refuse duplicate exports, then publish the symbols and enter COMING. */
    private Errno completeFormation(KernelModule mod) {
        kernel.moduleMutex.lock();
        try {
            for (String symbol : mod.image.exports()) {
                KernelModule owner = kernel.symbols().get(symbol);
                if (owner != null && owner != mod) {
                    kernel.log().print(mod.name + ": exports duplicate symbol " + symbol + " (owned by " + owner.name
                            + ")");
                    return Errno.ENOEXEC;
                }
            }
            for (String symbol : mod.image.exports()) {
                kernel.symbols().put(symbol, mod);
            }
            mod.state = ModuleState.COMING;
            return null;
        } finally {
            kernel.moduleMutex.unlock();
        }
    }

    /**
     * {@code do_init_module()}: run init; on success the module goes LIVE, drops the init reference and loses its
     * init size; on failure it goes GOING and is freed without its exit function running.
     */
    private SyscallResult doInitModule(KernelModule mod) {
        kernel.registerDevice(mod);
        mod.image.init().ifPresent(init -> kernel.clock().sleep(init.millis(mod.parameterValues)));
        Optional<Errno> failure = mod.image.initError();
        if (failure.isPresent()) {
            mod.state = ModuleState.GOING;
            kernel.modulePut(mod, "do_init_module");
            kernel.freeModule(mod);
            kernel.moduleWq.wakeAll();
            return SyscallResult.failed(failure.get());
        }
        kernel.moduleMutex.lock();
        try {
            mod.state = ModuleState.LIVE;
            mod.put();
            mod.initSize = 0;
        } finally {
            kernel.moduleMutex.unlock();
        }
        kernel.moduleWq.wakeAll();
        return SyscallResult.ok();
    }

    /**
     * {@code parse_args()}: {@code name=value} words for the module's declared parameters; unknown ones are logged
     * and ignored, as the kernel does for modules.
     */
    private Map<String, String> parseParameters(ModuleImage image, String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String param : image.parameters()) {
            values.put(param, "0");
        }
        if (text == null || text.isBlank()) {
            return values;
        }
        for (String word : text.trim().split("\\s+")) {
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? "" : word.substring(eq + 1);
            if (image.parameters().contains(key)) {
                values.put(key, value);
            } else {
                kernel.log().print(image.name() + ": unknown parameter '" + key + "' ignored");
            }
        }
        return values;
    }
}
