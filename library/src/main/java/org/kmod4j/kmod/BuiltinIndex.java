package org.kmod4j.kmod;

import java.nio.file.Path;
import java.util.Set;

/**
 * Whether a module is built into the kernel, as libkmod decides it: membership in {@code modules.builtin.bin} of the
 * kernel's module directory (kmod 30 {@code kmod_module_get_initstate()}, docs/tools.md, "Sources"; the text {@code modules.builtin} is only depmod's input and is never read).
 */
@FunctionalInterface
public interface BuiltinIndex {

    /** Whether {@code name} (already normalized) is a key of the index. */
    public boolean isBuiltin(String name);

    /** No index (a missing {@code modules.builtin.bin}): nothing is builtin. */
    public static BuiltinIndex none() {
        return name -> false;
    }

    /** A fixed set of names, e.g. a scenario's {@code builtin} declarations. */
    public static BuiltinIndex of(Set<String> names) {
        Set<String> copy = Set.copyOf(names);
        return copy::contains;
    }

    /**
     * The index file {@code file}, opened afresh for each lookup as libkmod does outside modprobe; a missing or
     * invalid file means nothing is builtin.
     */
    public static BuiltinIndex file(Path file) {
        return name -> {
            IndexFile index = IndexFile.open(file);
            return index != null && index.search(name) != null;
        };
    }
}
