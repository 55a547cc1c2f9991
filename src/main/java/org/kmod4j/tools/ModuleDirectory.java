package org.kmod4j.tools;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * What modprobe reads from the module directory, libkmod's {@code ctx->dirname} ({@code /lib/modules/RELEASE}): the
 * binary indexes ({@code modules.dep.bin}, {@code modules.alias.bin}, {@code modules.symbols.bin},
 * {@code modules.builtin.bin}, {@code modules.builtin.alias.bin}; never the text files, as kmod), the
 * {@code modules.softdep} file it parses as configuration, and the existence of the module files that dependency
 * lines name. Either real files ({@link #files}) or, for a simulated kernel, an index made from the scenario's module
 * declarations ({@link #simulated}).
 */
public interface ModuleDirectory {

    /** The wildcard indexes, by libkmod's {@code enum kmod_index} name. */
    enum WildIndex {
        ALIAS("modules.alias.bin"), SYMBOLS("modules.symbols.bin"), BUILTIN_ALIAS("modules.builtin.alias.bin");

        final String file;

        WildIndex(String file) {
            this.file = file;
        }
    }

    /** The directory as libkmod names it (absolute; {@code -d DIR} is made absolute from the working directory). */
    String dirname();

    /** {@code modules.dep.bin}: the line of exactly {@code name} ({@code "path: dep dep"}), or null. */
    String depLine(String name);

    /** A wildcard index's values for {@code key}, or null when the index cannot be opened (libkmod's -ENOSYS). */
    List<String> searchWild(WildIndex index, String key);

    /** {@code modules.builtin.bin} has {@code name}. */
    boolean isBuiltin(String name);

    /** {@code stat(path) == 0} for an absolute module path of this directory's file system. */
    boolean exists(String absolutePath);

    /** The bytes of {@code DIRNAME/modules.softdep}, or null when it cannot be opened. */
    byte[] softdepFile();

    /**
     * Opens every index now, so that a corrupt one is reported before the tool changes anything rather than halfway
     * through a removal; nothing for a directory without files.
     *
     * @throws IndexFile.CorruptIndexException naming the first corrupt index, its offset and what is wrong there
     */
    default void check() {
    }

    /** The largest {@code modules.softdep} read: real ones are a few KiB. */
    int MAX_SOFTDEP_SIZE = 16 << 20;

    /**
     * A directory of real files. {@code files} maps an absolute path as libkmod would open it to the file behind it
     * (the path itself on a real host, the path under the root for a fixture tree).
     */
    static ModuleDirectory files(String dirname, Function<String, Path> files) {
        return new OnDisk(dirname, files);
    }

    /**
     * The module directory of a simulated kernel: every declared module is in {@code modules.dep} as
     * {@code kernel/NAME.ko}, depending on the modules that export the symbols it uses (their transitive closure,
     * dependents first, as depmod writes it); the builtins are {@code modules.builtin}; there are no aliases, symbols
     * or soft dependencies.
     *
     * @param uses    each module's used symbols, in declaration order
     * @param exports each module's exported symbols
     */
    static ModuleDirectory simulated(String dirname, Map<String, List<String>> uses, Map<String, List<String>> exports,
                                     Set<String> builtins) {
        return new Simulated(dirname, uses, exports, builtins);
    }

    /** Real index files, each opened once (as {@code kmod_load_resources()} maps them). */
    final class OnDisk implements ModuleDirectory {
        private final String dirname;
        private final Function<String, Path> files;
        private final Map<String, IndexFile> indexes = new LinkedHashMap<>();

        OnDisk(String dirname, Function<String, Path> files) {
            this.dirname = dirname;
            this.files = files;
        }

        private Path path(String absolute) {
            try {
                return files.apply(absolute);
            } catch (IllegalArgumentException e) { // also InvalidPathException
                return null;
            }
        }

        private IndexFile index(String file) {
            if (indexes.containsKey(file)) {
                return indexes.get(file);
            }
            Path p = path(dirname + "/" + file);
            IndexFile index = p == null ? null : IndexFile.open(p, dirname + "/" + file);
            indexes.put(file, index);
            return index;
        }

        @Override
        public void check() {
            index("modules.dep.bin");
            index("modules.builtin.bin");
            for (WildIndex w : WildIndex.values()) {
                index(w.file);
            }
        }

        @Override
        public String dirname() {
            return dirname;
        }

        @Override
        public String depLine(String name) {
            IndexFile idx = index("modules.dep.bin");
            return idx == null ? null : idx.search(name);
        }

        @Override
        public List<String> searchWild(WildIndex which, String key) {
            IndexFile idx = index(which.file);
            return idx == null ? null : idx.searchWild(key);
        }

        @Override
        public boolean isBuiltin(String name) {
            IndexFile idx = index("modules.builtin.bin");
            return idx != null && idx.search(name) != null;
        }

        @Override
        public boolean exists(String absolutePath) {
            Path p = path(absolutePath);
            return p != null && Files.exists(p);
        }

        @Override
        public byte[] softdepFile() {
            Path p = path(dirname + "/modules.softdep");
            if (p == null || Files.isDirectory(p)) {
                return null;
            }
            try {
                return IndexFile.readBounded(p, MAX_SOFTDEP_SIZE);
            } catch (IndexFile.TooLargeException e) {
                throw new Target.BadInputException(dirname + "/modules.softdep: larger than "
                        + (MAX_SOFTDEP_SIZE >> 20) + " MiB, not read");
            } catch (java.io.IOException | RuntimeException e) {
                return null; // open() failed: libkmod goes on without it
            }
        }
    }

    /** The index a simulated kernel's scenario implies. */
    final class Simulated implements ModuleDirectory {
        private final String dirname;
        private final Map<String, String> depLines = new LinkedHashMap<>();
        private final Set<String> builtins;

        Simulated(String dirname, Map<String, List<String>> uses, Map<String, List<String>> exports,
                  Set<String> builtins) {
            this.dirname = dirname;
            this.builtins = Set.copyOf(builtins);
            Map<String, List<String>> direct = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> m : uses.entrySet()) {
                Set<String> deps = new LinkedHashSet<>();
                for (String symbol : m.getValue()) {
                    for (Map.Entry<String, List<String>> e : exports.entrySet()) {
                        if (!e.getKey().equals(m.getKey()) && e.getValue().contains(symbol)) {
                            deps.add(e.getKey());
                        }
                    }
                }
                direct.put(m.getKey(), new ArrayList<>(deps));
            }
            for (String name : direct.keySet()) {
                // Load order of the closure (dependencies first, depth first), reversed: dependents first.
                List<String> order = new ArrayList<>();
                visit(name, direct, new LinkedHashSet<>(), order);
                order.remove(name);
                Deque<String> line = new ArrayDeque<>();
                for (String dep : order) {
                    line.push("kernel/" + dep + ".ko");
                }
                depLines.put(name, "kernel/" + name + ".ko:" + (line.isEmpty() ? "" : " " + String.join(" ", line)));
            }
        }

        private static void visit(String name, Map<String, List<String>> direct, Set<String> seen, List<String> out) {
            if (!seen.add(name)) {
                return;
            }
            for (String dep : direct.getOrDefault(name, List.of())) {
                visit(dep, direct, seen, out);
            }
            out.add(name);
        }

        @Override
        public String dirname() {
            return dirname;
        }

        @Override
        public String depLine(String name) {
            return depLines.get(name);
        }

        @Override
        public List<String> searchWild(WildIndex index, String key) {
            return List.of();
        }

        @Override
        public boolean isBuiltin(String name) {
            return builtins.contains(name);
        }

        @Override
        public boolean exists(String absolutePath) {
            String prefix = dirname + "/kernel/";
            return absolutePath.startsWith(prefix) && depLines.containsKey(
                    absolutePath.substring(prefix.length()).replaceFirst("\\.ko$", ""));
        }

        @Override
        public byte[] softdepFile() {
            return null;
        }
    }
}
