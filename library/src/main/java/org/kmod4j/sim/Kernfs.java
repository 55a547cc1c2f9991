package org.kmod4j.sim;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/**
 * The order in which sysfs (kernfs) lists a directory: its entries sit in a red-black tree sorted by
 * {@code kernfs_name_hash()} and then by name (fs/kernfs/dir.c), and readdir walks that tree. This is why
 * {@code /sys/module/X/holders} is neither sorted nor the /proc/modules order (observed; docs/tools.md, "Sources").
 */
final class Kernfs {
    private static final long GOLDEN_RATIO_64 = 0x61C8864680B583EBL;

    private Kernfs() {
    }

    /** {@code kernfs_name_hash(name, NULL)} on a 64-bit kernel (include/linux/stringhash.h). */
    static int nameHash(String name) {
        long hash = 0; // init_name_hash(ns) with no namespace
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            long c = b; // char is signed on x86, then widened to unsigned long
            hash = (hash + (c << 4) + (c >> 4)) * 11; // partial_name_hash()
        }
        // end_name_hash() = hash_long(hash, 32) = (hash * GOLDEN_RATIO_64) >> 32 on 64-bit (include/linux/hash.h)
        int h = (int) ((hash * GOLDEN_RATIO_64) >>> 32);
        h &= 0x7fffffff;
        if (h < 2) {
            h += 2; // 0, 1 and INT_MAX are reserved for the magic entries
        }
        if (h == Integer.MAX_VALUE) {
            h = Integer.MAX_VALUE - 1;
        }
        return h;
    }

    /** The entries in readdir order. */
    static List<String> readdirOrder(Collection<String> names) {
        // Each name hashed once, not at every comparison: /sys/module of a distribution has 4,000 entries.
        record Keyed(int hash, String name) {
        }
        List<Keyed> keyed = new ArrayList<>(names.size());
        for (String name : names) {
            keyed.add(new Keyed(nameHash(name), name));
        }
        keyed.sort(Comparator.comparingInt(Keyed::hash).thenComparing(Keyed::name, Kernfs::compareBytes));
        List<String> sorted = new ArrayList<>(keyed.size());
        for (Keyed k : keyed) {
            sorted.add(k.name());
        }
        return sorted;
    }

    private static int compareBytes(String a, String b) {
        return java.util.Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
