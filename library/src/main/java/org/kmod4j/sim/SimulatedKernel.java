package org.kmod4j.sim;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.SyscallResult;
import org.kmod4j.api.Taint;
import org.kmod4j.api.TimedRemoval;
import org.kmod4j.api.UserString;
import org.kmod4j.api.ViewException;
import org.kmod4j.sim.time.KernelClock;
import org.kmod4j.sim.time.RealClock;
import org.kmod4j.sim.time.VirtualClock;

/**
 * An in-memory Linux module subsystem that behaves like the real kernel, errno for errno and byte for byte in its
 * views: the module list, references and dependencies, states, privilege, {@code modules_disabled}, force and taint.
 *
 * <p>Thread-safe: like the kernel, structural changes happen under one module mutex, while references are taken and
 * dropped with lock-free atomics. Never held across init or exit functions, so those may take time on the clock.
 * Any threads may call it, with the default clock too: every call returns its result as a value, and a call that
 * waits (a load behind a COMING module of the same name, 2.6's blocking delete, {@link #deleteModuleWaiting}) waits
 * for the other callers as the kernel waits for user space. Only when the callers really deadlock (every thread
 * that has called the kernel has ended or is parked, and nothing can wake the waiters) does a waiting call throw
 * {@link org.kmod4j.sim.time.SimulationDeadlockException}; see {@link VirtualClock} for how virtual time treats
 * threads that are not its tasks.
 *
 * <p>As a {@link ModuleSubsystem} it acts as root (all capabilities); {@link #newTask} gives other callers.
 */
public final class SimulatedKernel implements ModuleSubsystem {
    private final KernelProfile profile;
    private final KernelConfig config;
    private final KernelClock clock;
    private final KernelLog log;
    private final Task rootTask;

    /** {@code module_mutex}. Never held while sleeping on the clock or waking a wait queue. */
    final ReentrantLock moduleMutex = new ReentrantLock();
    /** {@code modules}: every module from add_unformed_module to free_module, in load order. Under the mutex. */
    private final LinkedHashMap<String, KernelModule> modules = new LinkedHashMap<>();
    /** The exported symbols of modules past UNFORMED, and who exports each. Under the mutex. */
    private final Map<String, KernelModule> symbols = new HashMap<>();
    private final Map<String, KernelModule> devices = new ConcurrentHashMap<>();
    private final Map<String, ModuleImage> images = new ConcurrentHashMap<>();
    private final Map<String, BuiltinModule> builtins = new ConcurrentHashMap<>();
    /** {@code module_wq}: loaders waiting for a same-name module, and waiters for a reference count. */
    final KernelClock.WaitQueue moduleWq;

    /** Tasks in {@link #deleteModuleWaiting}: while there are any, every module_put wakes module_wq. */
    private final java.util.concurrent.atomic.AtomicInteger refcountWaiters = new java.util.concurrent.atomic.AtomicInteger();
    private final AtomicLong taintedMask = new AtomicLong();
    private volatile boolean modulesDisabled;
    private volatile boolean lockDebuggingOn = true;
    private final AtomicLong nextAddress = new AtomicLong(0xffffffffc0000000L);
    private final List<Oops> oopses = new CopyOnWriteArrayList<>();

    private final ModuleLoader loader;
    private final ModuleUnloader unloader;
    private final Linux24Modules linux24;
    private final KernelFiles files;

    private SimulatedKernel(Builder b) {
        this.profile = b.profile;
        this.config = b.config;
        this.clock = b.clock;
        this.log = new KernelLog(clock);
        this.moduleWq = clock.newWaitQueue();
        this.rootTask = new Task(this, "init", true);
        this.loader = new ModuleLoader(this);
        this.unloader = new ModuleUnloader(this);
        this.linux24 = new Linux24Modules(this);
        this.files = new KernelFiles(this);
        b.images.forEach(this::declare);
        b.builtins.forEach(this::declareBuiltin);
        restore(b.restored);
        taintedMask.set(b.taintedMask);
        modulesDisabled = b.modulesDisabled && profile.hasModulesDisabledSysctl();
    }

    /**
     * Puts modules on the list in the states a {@code /proc/modules} snapshot shows (newest first), as if they had
     * been loaded: each one's count, users and permanence. A user that is not in the snapshot is left out of the
     * links; the count is the snapshot's either way, since it already includes each user's reference.
     */
    private void restore(List<LoadedModule> newestFirst) {
        Map<String, KernelModule> byName = new HashMap<>();
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            LoadedModule m = newestFirst.get(i);
            ModuleImage image = ModuleImage.builder(m.name().value()).coreSize(m.size())
                    .taints(Taint.ofLetters(m.taints())).exit(m.permanent() ? null : ModuleImage.Function.instant())
                    .build();
            KernelModule mod = new KernelModule(image, allocateAddress(m.size()), Map.of());
            mod.initSize = 0;
            mod.state = m.state();
            // The count as shown plus the base reference; -1 (GOING after a normal stop) is a dropped base.
            mod.refcnt.set(Math.max(0, m.refcount() + KernelModule.MODULE_REF_BASE));
            modules.put(mod.name, mod);
            byName.put(mod.name, mod);
        }
        for (LoadedModule m : newestFirst) {
            KernelModule target = byName.get(m.name().value());
            for (ModuleName holder : m.holders()) {
                KernelModule user = byName.get(holder.value());
                if (user != null) {
                    target.sourceList.addLast(user);
                    user.targetList.add(target);
                }
            }
        }
    }

    /** {@return a builder: Debian 12's kernel (6.1.192, force unload on) on a virtual clock unless told otherwise} */
    public static Builder builder() {
        return new Builder();
    }

    // ---- callers -------------------------------------------------------------------------------------------

    /**
     * A new process with {@code CAP_SYS_MODULE} (root).
     *
     * @param name the process's name
     * @return the task
     */
    public Task newTask(String name) {
        return new Task(this, name, true);
    }

    /** {@return the task this kernel's {@link ModuleSubsystem} methods run as} */
    public Task rootTask() {
        return rootTask;
    }

    // ---- the module files the load side can find ------------------------------------------------------------

    /**
     * Makes {@code NAME.ko} available to {@code finit_module}.
     *
     * @param image the module file
     */
    public void declare(ModuleImage image) {
        images.put(image.name().value(), image);
    }

    /**
     * Adds a built-in module: a {@code /sys/module} directory, no {@code /proc/modules} line.
     *
     * @param builtin the built-in module
     */
    public void declareBuiltin(BuiltinModule builtin) {
        builtins.put(builtin.name().value(), builtin);
    }

    /** {@return the module images {@link #declare}d (those a load can find), by name} */
    public List<ModuleImage> declaredImages() {
        return images.values().stream().sorted(java.util.Comparator.comparing(i -> i.name().value())).toList();
    }

    /** {@return the built-in modules {@link #declareBuiltin}d, by name} */
    public List<BuiltinModule> declaredBuiltins() {
        return builtins.values().stream().sorted(java.util.Comparator.comparing(b -> b.name().value())).toList();
    }

    Optional<ModuleImage> image(String name) {
        return Optional.ofNullable(images.get(name));
    }

    Map<String, BuiltinModule> builtins() {
        return builtins;
    }

    // ---- syscalls -----------------------------------------------------------------------------------------

    @Override
    public SyscallResult deleteModule(UserString name, int flags) {
        return deleteModule(rootTask, name, flags);
    }

    SyscallResult deleteModule(Task caller, UserString name, int flags) {
        clock.noteCaller();
        // 2.4's sys_delete_module(name_user) is another system call: one argument, and NULL means "autoclean".
        return profile.deleteModuleTakesFlags()
                ? unloader.deleteModule(caller, name, flags)
                : linux24.deleteModule(caller, name);
    }

    /** The bounded wait as root, on this kernel's clock: see {@link ModuleSubsystem#deleteModuleWaiting}. */
    @Override
    public TimedRemoval deleteModuleWaiting(String name, int flags, Duration timeout) {
        return deleteModuleWaiting(rootTask, name, flags, timeout);
    }

    TimedRemoval deleteModuleWaiting(Task caller, String name, int flags, Duration timeout) {
        clock.noteCaller();
        long deadline = clock.nowMillis() + TimedRemoval.clamp(timeout).toMillis();
        while (true) {
            SyscallResult r = deleteModule(caller, UserString.of(name), flags | RemoveFlag.NONBLOCK.bit());
            long left = deadline - clock.nowMillis();
            if (r.isOk() || r.error() != Errno.EWOULDBLOCK || left <= 0) {
                return new TimedRemoval(r, Duration.ofMillis(r.isOk() || r.error() != Errno.EWOULDBLOCK
                        ? Math.max(0, left) : 0));
            }
            refcountWaiters.incrementAndGet();
            try {
                moduleWq.await(() -> refcountOf(name) <= 0, left, false);
            } finally {
                refcountWaiters.decrementAndGet();
            }
        }
    }

    /** The module's count, or -1 when it is not loaded. */
    private int refcountOf(String name) {
        moduleMutex.lock();
        try {
            KernelModule mod = findModule(name);
            return mod == null ? -1 : mod.refcount();
        } finally {
            moduleMutex.unlock();
        }
    }

    /**
     * 2.4's {@code create_module(name, size)} as root; ENOSYS on later kernels, which dropped it.
     *
     * @param name the module's name, or a pointer the kernel cannot read
     * @param size the size to allocate, in bytes
     * @return 0 or the kernel's errno
     */
    public SyscallResult createModule(UserString name, long size) {
        return profile.hasCreateModuleCall()
                ? linux24.createModule(rootTask, name, size)
                : SyscallResult.failed(Errno.ENOSYS);
    }

    /**
     * 2.4's {@code query_module(name, which, ...)}; ENOSYS on later kernels, which dropped it.
     *
     * @param name  the module's name, or a pointer the kernel cannot read
     * @param which what to ask
     * @return the answer or the kernel's errno
     */
    public QueryModuleResult queryModule(UserString name, QueryModuleResult.Which which) {
        return profile.hasQueryModuleCall()
                ? linux24.queryModule(name, which)
                : QueryModuleResult.failed(Errno.ENOSYS);
    }

    /**
     * {@code finit_module()} of {@code NAME.ko} as root.
     *
     * @param name       the declared image's module name
     * @param parameters the parameter string, such as {@code "delay=100"}
     * @return 0 or the kernel's errno
     */
    public SyscallResult loadModule(String name, String parameters) {
        return loadModule(rootTask, name, parameters);
    }

    SyscallResult loadModule(Task caller, String name, String parameters) {
        clock.noteCaller();
        return loader.loadModule(caller, name, parameters);
    }

    // ---- references ---------------------------------------------------------------------------------------

    /**
     * {@code try_module_get()} on a loaded module, found and got under the module mutex as kernel code that looks a
     * module up does: refused (empty) when it is not loaded, GOING, or its base reference is already gone.
     *
     * @param name the module's name
     * @return the reference, or empty when refused
     */
    public Optional<ModuleReference> tryModuleGet(String name) {
        clock.noteCaller();
        moduleMutex.lock();
        try {
            KernelModule mod = findModule(name);
            return mod != null && tryIncModCount(mod) ? Optional.of(new ModuleReference(this, mod)) : Optional.empty();
        } finally {
            moduleMutex.unlock();
        }
    }

    /**
     * A user's reference: {@code try_module_get}, which in 2.4 ({@code __MOD_INC_USE_COUNT}) also marks the module
     * VISITED and USED_ONCE for the autoclean sweep; later kernels keep no such marks.
     */
    private static boolean tryIncModCount(KernelModule mod) {
        if (!mod.tryGet()) {
            return false;
        }
        mod.visited = true;
        mod.usedOnce = true;
        return true;
    }

    /**
     * {@code open()} of a module's character device: the file's {@code fops->owner} is got with
     * {@code try_module_get}. ENOENT when no such device node exists, ENODEV when its module is going away.
     *
     * @param path the device node's path
     * @return the reference held by the open file, or the errno
     */
    public DeviceOpen openDevice(String path) {
        clock.noteCaller();
        moduleMutex.lock();
        try {
            KernelModule mod = devices.get(path);
            if (mod == null) {
                return new DeviceOpen(null, Errno.ENOENT);
            }
            return tryIncModCount(mod) ? new DeviceOpen(new ModuleReference(this, mod), null)
                    : new DeviceOpen(null, Errno.ENODEV);
        } finally {
            moduleMutex.unlock();
        }
    }

    /**
     * The outcome of {@link #openDevice}: a reference, or the errno open() returned.
     *
     * @param reference the reference the open file holds, or null on failure
     * @param error     the errno open() returned, or null on success
     */
    public record DeviceOpen(ModuleReference reference, Errno error) {
    }

    /**
     * 2.6.0–3.12's {@code wait_for_zero_refcount()}: sleep in TASK_UNINTERRUPTIBLE, without the module mutex, until
     * the count reaches zero. An interrupt does not end it; {@code module_put} wakes the waiter.
     */
    void waitForZeroRefcount(KernelModule mod) {
        moduleWq.await(() -> mod.refcount() <= 0, -1, false);
    }

    /** {@code module_put()}: records an oops when the module was already freed by a forced unload. */
    Oops modulePut(KernelModule mod, String what) {
        Oops oops = dropReference(mod, what);
        wakeReferenceWaiters(mod);
        return oops;
    }

    /** The count side of {@code module_put()}, safe under the module mutex: it never wakes anyone. */
    private Oops dropReference(KernelModule mod, String what) {
        if (mod.freed) {
            Oops oops = new Oops(clock.nowMillis(), mod.name, what);
            oopses.add(oops);
            log.print("BUG: unable to handle page fault: " + what + " on module " + mod.name
                    + ", freed by a forced unload");
            return oops;
        }
        if (!mod.put()) {
            log.print("WARNING: module_put on " + mod.name + " with no reference held");
        }
        return null;
    }

    /**
     * 2.6–3.12's module_put wakes mod->waiter, the rmmod sleeping in wait_for_zero_refcount(); the bounded wait
     * also sleeps on module_wq. Never called with the module mutex held.
     */
    private void wakeReferenceWaiters(KernelModule mod) {
        if (mod.state == ModuleState.GOING || refcountWaiters.get() > 0) {
            moduleWq.wakeAll();
        }
    }

    // ---- module list, under moduleMutex ----------------------------------------------------------------------

    /** {@code find_module()}: a module on the list that is not UNFORMED. Mutex held. */
    KernelModule findModule(String name) {
        KernelModule mod = modules.get(name);
        return mod != null && mod.state != ModuleState.UNFORMED ? mod : null;
    }

    /** {@code find_module_all(..., even_unformed=true)}. Mutex held. */
    KernelModule findModuleAll(String name) {
        return modules.get(name);
    }

    /** Mutex held. */
    void addToList(KernelModule mod) {
        modules.put(mod.name, mod);
    }

    /** Mutex held. */
    Map<String, KernelModule> symbols() {
        return symbols;
    }

    /** The modules on the list in load order (oldest first), including UNFORMED ones. Mutex held. */
    List<KernelModule> moduleList() {
        return new ArrayList<>(modules.values());
    }

    void registerDevice(KernelModule mod) {
        mod.image.device().ifPresent(path -> devices.put(path, mod));
    }

    void unregisterDevice(KernelModule mod) {
        mod.image.device().ifPresent(path -> devices.remove(path, mod));
    }

    long allocateAddress(long size) {
        long pages = Math.max(1, (size + 4095) / 4096);
        return nextAddress.getAndAdd(pages * 4096);
    }

    /**
     * {@code free_module()} from the point of view of unloading: sysfs goes, the module turns UNFORMED, each target
     * loses this user and one reference ({@code module_unload_free}), exports and the list entry go.
     */
    void freeModule(KernelModule mod) {
        unregisterDevice(mod);
        List<KernelModule> targets;
        moduleMutex.lock();
        try {
            mod.state = ModuleState.UNFORMED;
            targets = new ArrayList<>(mod.targetList);
            // module_unload_free(): each target loses this user and its reference together, under the mutex, so
            // no delete of the target can see it without users but still referenced.
            for (KernelModule target : targets) {
                target.sourceList.remove(mod);
                dropReference(target, "module_unload_free");
            }
            mod.targetList.clear();
            for (String symbol : mod.image.exports()) {
                symbols.remove(symbol, mod);
            }
            modules.remove(mod.name, mod);
            mod.freed = true;
        } finally {
            moduleMutex.unlock();
        }
        for (KernelModule target : targets) {
            wakeReferenceWaiters(target);
        }
    }

    // ---- taint and sysctls ------------------------------------------------------------------------------------

    /** {@code add_taint()}: bits are only ever added. */
    void addTaint(Taint taint, boolean lockdepNowUnreliable) {
        taintedMask.getAndUpdate(m -> m | taint.mask());
        if (lockdepNowUnreliable && lockDebuggingOn) {
            lockDebuggingOn = false;
            log.print("Disabling lock debugging due to kernel taint");
        }
    }

    /** {@return the global {@code tainted_mask}, as {@code /proc/sys/kernel/tainted} shows it} */
    public long taintedMask() {
        return taintedMask.get();
    }

    /** {@return whether {@code modules_disabled} is set} */
    public boolean modulesDisabled() {
        return modulesDisabled;
    }

    /**
     * Writes {@code /proc/sys/kernel/modules_disabled}: only the transition to 1 is allowed, so this is a one-way
     * latch: the {@code modules_disabled} entry of kernel/sysctl.c, 2.6.31, is {@code proc_dointvec_minmax} with
     * both bounds 1.
     *
     * @param value the value written
     * @return 0; EINVAL for any value but 1; ENOENT before 2.6.31, which has no such file
     */
    public SyscallResult setModulesDisabled(int value) {
        if (!profile.hasModulesDisabledSysctl()) {
            return SyscallResult.failed(Errno.ENOENT);
        }
        if (value != 1) {
            return SyscallResult.failed(Errno.EINVAL);
        }
        modulesDisabled = true;
        return SyscallResult.ok();
    }

    // ---- views -----------------------------------------------------------------------------------------------

    @Override
    public List<LoadedModule> loadedModules() {
        List<LoadedModule> out = new ArrayList<>();
        moduleMutex.lock();
        try {
            List<KernelModule> list = moduleList();
            for (int i = list.size() - 1; i >= 0; i--) {
                KernelModule m = list.get(i);
                if (m.state == ModuleState.UNFORMED) {
                    continue;
                }
                List<ModuleName> holders = new ArrayList<>();
                for (KernelModule user : m.sourceList) {
                    holders.add(user.image.name());
                }
                out.add(new LoadedModule(m.image.name(), m.totalSize(), m.refcount(), holders, m.state,
                        Taint.letters(m.taints), m.permanent()));
            }
        } finally {
            moduleMutex.unlock();
        }
        return out;
    }

    @Override
    public String readFile(String path) throws ViewException {
        return files.read(path);
    }

    @Override
    public List<String> listDirectory(String path) throws ViewException {
        return files.list(path);
    }

    /**
     * Writes a kernel file as root ({@code echo TEXT > PATH}): the sysctls {@code modules_disabled} and
     * {@code tainted}.
     *
     * @param path the file's absolute path
     * @param text what is written
     * @return 0 or the errno the write gives
     */
    public SyscallResult writeFile(String path, String text) {
        return files.write(path, text);
    }

    // ---- accessors -----------------------------------------------------------------------------------------

    /** {@return the kernel generation and its rules} */
    public KernelProfile profile() {
        return profile;
    }

    /** {@return the build options} */
    public KernelConfig config() {
        return config;
    }

    /** {@return the clock the kernel sleeps and waits on} */
    public KernelClock clock() {
        return clock;
    }

    /** {@return the kernel log ({@code dmesg})} */
    public KernelLog log() {
        return log;
    }

    /** {@return every oops the run hit, oldest first: each one a crash on a real kernel} */
    public List<Oops> oopses() {
        return List.copyOf(oopses);
    }

    /** Configures a {@link SimulatedKernel}. */
    public static final class Builder {
        private KernelProfile profile = KernelProfile.debian12();
        private KernelConfig config = KernelConfig.debian();
        private KernelClock clock;
        private final List<ModuleImage> images = new ArrayList<>();
        private final List<BuiltinModule> builtins = new ArrayList<>();
        private List<LoadedModule> restored = List.of();
        private long taintedMask;
        private boolean modulesDisabled;

        private Builder() {
        }

        /**
         * Starts the kernel with these modules already loaded, in the states a {@code /proc/modules} snapshot shows
         * them (newest first, as the file lists them): a real host's, or a fixture's.
         *
         * @throws IllegalArgumentException for a state no kernel can be in: a name twice, a negative size, or a
         *                                  reference count below 0 other than the -1 of a GOING module whose base
         *                                  reference was dropped; at {@link #build()} for a taint letter the
         *                                  simulator does not know
         *
         * @param snapshotNewestFirst the modules, as {@link ModuleSubsystem#loadedModules()} lists them
         * @return this builder
         */
        public Builder restore(List<LoadedModule> snapshotNewestFirst) {
            java.util.Set<String> names = new java.util.HashSet<>();
            for (LoadedModule m : snapshotNewestFirst) {
                String name = m.name().value();
                if (!names.add(name)) {
                    throw new IllegalArgumentException("cannot restore module " + name + " twice");
                }
                if (m.size() < 0) {
                    throw new IllegalArgumentException("cannot restore module " + name + " with size " + m.size());
                }
                // try_stop_module() drops the base reference of a module it stops, so a GOING module can read -1;
                // nothing else makes a count negative (module_refcount(), 3.19 on).
                if (m.refcount() < -1 || (m.refcount() == -1 && m.state() != ModuleState.GOING)) {
                    throw new IllegalArgumentException("cannot restore module " + name + " with reference count "
                            + m.refcount() + " while " + m.state() + ": only a GOING module can read -1");
                }
            }
            this.restored = List.copyOf(snapshotNewestFirst);
            return this;
        }

        /**
         * The taint mask to start with ({@code /proc/sys/kernel/tainted}).
         *
         * @param mask the taint mask
         * @return this builder
         */
        public Builder taintedMask(long mask) {
            this.taintedMask = mask;
            return this;
        }

        /**
         * Whether {@code modules_disabled} is already set (for profiles that have it).
         *
         * @param disabled whether it is set
         * @return this builder
         */
        public Builder modulesDisabled(boolean disabled) {
            this.modulesDisabled = disabled;
            return this;
        }

        /**
         * The kernel generation; {@link KernelProfile#debian12()} by default.
         *
         * @param profile the profile
         * @return this builder
         */
        public Builder profile(KernelProfile profile) {
            this.profile = Objects.requireNonNull(profile);
            return this;
        }

        /**
         * The build options; {@link KernelConfig#debian()} by default.
         *
         * @param config the build options
         * @return this builder
         */
        public Builder config(KernelConfig config) {
            this.config = Objects.requireNonNull(config);
            return this;
        }

        /**
         * The clock; a {@link VirtualClock} by default. Use {@link RealClock} to drive it from real threads.
         *
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(KernelClock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        /**
         * A module file to {@link SimulatedKernel#declare}.
         *
         * @param image the module file
         * @return this builder
         */
        public Builder module(ModuleImage image) {
            images.add(image);
            return this;
        }

        /**
         * A built-in module to {@link SimulatedKernel#declareBuiltin}.
         *
         * @param builtin the built-in module
         * @return this builder
         */
        public Builder builtin(BuiltinModule builtin) {
            builtins.add(builtin);
            return this;
        }

        /** {@return the kernel, started} */
        public SimulatedKernel build() {
            if (clock == null) {
                clock = new VirtualClock();
            }
            return new SimulatedKernel(this);
        }
    }
}
