package org.kmod4j.sim;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.kmod4j.api.ModuleState;
import org.kmod4j.api.Taint;

/**
 * {@code struct module}: one module on the kernel's list, from {@code add_unformed_module} to {@code free_module}.
 *
 * <p>The reference count follows kernel/module/main.c since 4.0: the stored value is the real references plus
 * {@link #MODULE_REF_BASE}; {@code try_module_get} is an increment-unless-zero that fails once the module is GOING, and
 * {@code delete_module} drops the base reference to stop new gets without stopping the machine (docs/kernel-rules.md,
 * "The base reference"). The dependency lists are guarded by the kernel's module mutex.
 */
final class KernelModule {
    /** {@code MODULE_REF_BASE}: the reference the module holds on itself while it may be got. */
    static final int MODULE_REF_BASE = 1;

    final ModuleImage image;
    final String name;
    final long address;
    final Map<String, String> parameterValues;
    /** The module's own taint mask ({@code mod->taints}). */
    final long taints;
    final AtomicInteger refcnt = new AtomicInteger();

    volatile ModuleState state = ModuleState.UNFORMED;
    /** The init size, zeroed once init succeeds. */
    volatile long initSize;
    /** Set by free_module: from then on any touch of the module is a use after free. */
    volatile boolean freed;

    /** 2.4's MOD_VISITED: got or put since the last autoclean sweep. */
    volatile boolean visited;
    /** 2.4's MOD_USED_ONCE: got at least once, or depended on. */
    volatile boolean usedOnce;
    /** 2.4's MOD_JUST_FREED: lost its last user in the current autoclean sweep. Under the mutex. */
    boolean justFreed;
    /** 2.4: made by create_module, init_module not yet called. */
    volatile boolean uninitialized;

    /** {@code source_list}: the modules that use this one, newest first. */
    final Deque<KernelModule> sourceList = new ArrayDeque<>();
    /** {@code target_list}: the modules this one uses. */
    final List<KernelModule> targetList = new ArrayList<>();

    KernelModule(ModuleImage image, long address, Map<String, String> parameterValues) {
        this.image = image;
        this.name = image.name().value();
        this.address = address;
        this.parameterValues = Map.copyOf(parameterValues);
        long mask = 0;
        for (Taint t : image.taints()) {
            if (t.perModule()) {
                mask |= t.mask();
            }
        }
        this.taints = mask;
        this.initSize = image.initSize();
    }

    /** {@code module_refcount()}: the stored count minus the base, so -1 once a normal stop dropped the base. */
    int refcount() {
        return refcnt.get() - MODULE_REF_BASE;
    }

    /**
     * {@code try_module_get()}: refused while GOING, and once the base reference is gone. Also refused once freed:
     * the kernel's callers can never reach a freed module (lookup and get happen together), and before 3.19 the
     * stop never drops the base reference, so only this guard stops a get on freed memory here.
     */
    boolean tryGet() {
        if (!state.isLive() || freed) {
            return false;
        }
        int c;
        do {
            c = refcnt.get();
            if (c == 0) {
                return false;
            }
        } while (!refcnt.compareAndSet(c, c + 1));
        return true;
    }

    /**
     * {@code module_put()}: {@code atomic_dec_if_positive}; the kernel WARNs instead of going below zero.
     *
     * @return false when the count was already zero (the WARN case)
     */
    boolean put() {
        int c;
        do {
            c = refcnt.get();
            if (c <= 0) {
                return false;
            }
        } while (!refcnt.compareAndSet(c, c - 1));
        return true;
    }

    /**
     * {@code try_release_module_ref()}: drop the base reference; if others remain, put it back unless the count
     * reached zero meanwhile (a concurrent last put, which counts as success).
     *
     * @return true when the base is gone and no reference remains
     */
    boolean tryReleaseBase() {
        int left = refcnt.addAndGet(-MODULE_REF_BASE);
        if (left < 0) {
            throw new IllegalStateException("BUG_ON: refcount of " + name + " went below zero");
        }
        if (left == 0) {
            return true;
        }
        int c;
        do {
            c = refcnt.get();
            if (c == 0) {
                return true;
            }
        } while (!refcnt.compareAndSet(c, c + MODULE_REF_BASE));
        return false;
    }

    /** Whether it has an init and no exit function. */
    boolean permanent() {
        return image.permanent();
    }

    /** The size column of {@code /proc/modules}: core plus whatever init size is still there. */
    long totalSize() {
        return image.coreSize() + initSize;
    }

    @Override
    public String toString() {
        return name + "[" + state + ", refcount " + refcount() + "]";
    }
}
