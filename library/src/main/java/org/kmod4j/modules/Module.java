package org.kmod4j.modules;

import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What kmod4j knows of one module at the moment it was read: a snapshot, not a live view.
 *
 * @param name         the module's name, normalized ({@code snd-pcm} is {@code snd_pcm})
 * @param state        its state
 * @param refcount     {@code /sys/module/NAME/refcnt}; null when not loaded or builtin; a negative errno when it
 *                     could not be read ({@code -2}: no such file, a kernel without module unloading)
 * @param holders      the modules that use it ({@code /sys/module/NAME/holders/}, in directory order); null when that
 *                     directory cannot be read
 * @param dependencies the modules it depends on, from {@code modules.dep}, in load order (the first is loaded first)
 * @param softdepsPre  its {@code softdep NAME pre:} modules (loaded before it, removed after it)
 * @param softdepsPost its {@code softdep NAME post:} modules (loaded after it, removed before it)
 * @param size         its size in bytes ({@code coresize}, else the {@code /proc/modules} column); null when not
 *                     loaded; a negative errno when it could not be read
 * @param taints       its taint letters from {@code /proc/modules} ({@code "OE"}, {@code ""} when untainted), or null
 *                     when it has no line there that parses
 * @param permanent    whether it has an init but no exit function ({@code [permanent]}): only a forced removal can
 *                     take it out; null as {@code taints}
 * @param path         the module file, from {@code modules.dep}, or null
 */
public record Module(String name, State state, Integer refcount, List<String> holders, List<String> dependencies,
                     List<String> softdepsPre, List<String> softdepsPost, Long size, String taints, Boolean permanent,
                     String path) {

    /** A module's state as libkmod reads it ({@code kmod_module_get_initstate()}), plus not loaded. */
    public enum State {
        /** Loaded and initialized. */
        LIVE,
        /** Its init function is running (or its sysfs directory has no {@code initstate} yet). */
        COMING,
        /** Being unloaded. */
        GOING,
        /** Built into the kernel: never loaded, never removed. */
        BUILTIN,
        /** Not in the kernel. */
        NOT_LOADED
    }

    /** Checks the components and copies the lists. */
    public Module {
        Objects.requireNonNull(name);
        Objects.requireNonNull(state);
        holders = holders == null ? null : List.copyOf(holders);
        dependencies = List.copyOf(dependencies);
        softdepsPre = List.copyOf(softdepsPre);
        softdepsPost = List.copyOf(softdepsPost);
    }

    /** {@return whether it is in the kernel as a loadable module (LIVE, COMING or GOING)} */
    public boolean loaded() {
        return state == State.LIVE || state == State.COMING || state == State.GOING;
    }

    /** {@return whether it is built into the kernel} */
    public boolean builtin() {
        return state == State.BUILTIN;
    }

    /** {@return the reference count, when one was read} */
    public OptionalInt refcountValue() {
        return refcount == null || refcount < -1 ? OptionalInt.empty() : OptionalInt.of(refcount);
    }

    /** {@return the size, when one was read} */
    public OptionalLong sizeValue() {
        return size == null || size < 0 ? OptionalLong.empty() : OptionalLong.of(size);
    }
}
