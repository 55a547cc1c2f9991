package org.kmod4j.kmod;

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
import org.kmod4j.api.BadInputException;

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
    public enum WildIndex {
        ALIAS("modules.alias.bin"), SYMBOLS("modules.symbols.bin"), BUILTIN_ALIAS("modules.builtin.alias.bin");

        public final String file;

        WildIndex(String file) {
            this.file = file;
        }
    }

    /** The directory as libkmod names it (absolute; {@code -d DIR} is made absolute from the working directory). */
    public String dirname();

    /** {@code modules.dep.bin}: the line of exactly {@code name} ({@code "path: dep dep"}), or null. */
    public String depLine(String name);

    /** A wildcard index's values for {@code key}, or null when the index cannot be opened (libkmod's -ENOSYS). */
    public List<String> searchWild(WildIndex index, String key);

    /** {@code modules.builtin.bin} has {@code name}. */
    public boolean isBuiltin(String name);

    /** {@code stat(path) == 0} for an absolute module path of this directory's file system. */
    public boolean exists(String absolutePath);

    /** The bytes of {@code DIRNAME/modules.softdep}, or null when it cannot be opened. */
    public byte[] softdepFile();

    /**
     * Opens every index now, so that a corrupt one is reported before the tool changes anything rather than halfway
     * through a removal; nothing for a directory without files.
     *
     * @throws IndexFile.CorruptIndexException naming the first corrupt index, its offset and what is wrong there
     */
    default void check() {
    }

    /** The largest {@code modules.softdep} read: real ones are a few KiB. */
    public int MAX_SOFTDEP_SIZE = 16 << 20;

    /**
     * A directory of real files. {@code files} maps an absolute path as libkmod would open it to the file behind it
     * (the path itself on a real host, the path under the root for a fixture tree).
     */
    public static ModuleDirectory files(String dirname, Function<String, Path> files) {
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
    public static ModuleDirectory simulated(String dirname, Map<String, List<String>> uses, Map<String, List<String>> exports,
                                     Set<String> builtins) {
        return new Simulated(dirname, uses, exports, builtins);
    }

    /**
     * A directory of depmod's binary indexes, each opened once (as {@code kmod_load_resources()} maps them) and then
     * searched; safe for concurrent callers (an opened index is immutable). Where the index bytes come from is the
     * subclass's: real files, or a snapshot's records.
     */
    public abstract class Indexed implements ModuleDirectory {
        private final String dirname;
        private final Map<String, IndexFile> indexes = new LinkedHashMap<>();

        protected Indexed(String dirname) {
            this.dirname = dirname;
        }

        /**
         * Opens one index.
         *
         * @param name the index's absolute name ({@code DIRNAME/modules.dep.bin}), for messages
         * @return the index, or null when there is no such file (libkmod goes on without it)
         */
        protected abstract IndexFile open(String name);

        private synchronized IndexFile index(String file) {
            if (indexes.containsKey(file)) {
                return indexes.get(file);
            }
            IndexFile index = open(dirname + "/" + file);
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
    }

    /** Real index files. */
    public final class OnDisk extends Indexed {
        private final Function<String, Path> files;

        public OnDisk(String dirname, Function<String, Path> files) {
            super(dirname);
            this.files = files;
        }

        private Path path(String absolute) {
            try {
                return files.apply(absolute);
            } catch (IllegalArgumentException e) { // also InvalidPathException
                return null;
            }
        }

        @Override
        protected IndexFile open(String name) {
            Path p = path(name);
            return p == null ? null : IndexFile.open(p, name);
        }

        @Override
        public boolean exists(String absolutePath) {
            Path p = path(absolutePath);
            return p != null && Files.exists(p);
        }

        @Override
        public byte[] softdepFile() {
            Path p = path(dirname() + "/modules.softdep");
            if (p == null || Files.isDirectory(p)) {
                return null;
            }
            try {
                return IndexFile.readBounded(p, MAX_SOFTDEP_SIZE);
            } catch (IndexFile.TooLargeException e) {
                throw new BadInputException(dirname() + "/modules.softdep: larger than "
                        + (MAX_SOFTDEP_SIZE >> 20) + " MiB, not read");
            } catch (java.io.IOException | RuntimeException e) {
                return null; // open() failed: libkmod goes on without it
            }
        }
    }

    /** The index a simulated kernel's scenario implies. */
    public final class Simulated implements ModuleDirectory {
        private final String dirname;
        /** Each module's direct dependencies: the modules exporting the symbols it uses, in first-use order. */
        private final Map<String, List<String>> direct = new LinkedHashMap<>();
        /** The dependency lines already asked for. */
        private final Map<String, String> depLines = new java.util.HashMap<>();
        private final Set<String> builtins;

        public Simulated(String dirname, Map<String, List<String>> uses, Map<String, List<String>> exports,
                  Set<String> builtins) {
            this.dirname = dirname;
            this.builtins = Set.copyOf(builtins);
            // Who exports each symbol, in declaration order: one pass, so a scenario of thousands of modules is
            // indexed in linear time (a search of every module for every symbol took a minute for 5000).
            Map<String, List<String>> exporters = new java.util.HashMap<>();
            for (Map.Entry<String, List<String>> e : exports.entrySet()) {
                for (String symbol : e.getValue()) {
                    List<String> list = exporters.computeIfAbsent(symbol, k -> new ArrayList<>());
                    if (!list.contains(e.getKey())) {
                        list.add(e.getKey());
                    }
                }
            }
            for (Map.Entry<String, List<String>> m : uses.entrySet()) {
                // Ordered as before: by each exporting module's declaration order for the first symbol it provides.
                Set<String> deps = new LinkedHashSet<>();
                for (String symbol : m.getValue()) {
                    for (String exporter : exporters.getOrDefault(symbol, List.of())) {
                        if (!exporter.equals(m.getKey())) {
                            deps.add(exporter);
                        }
                    }
                }
                direct.put(m.getKey(), new ArrayList<>(deps));
            }
        }

        /**
         * The load order of {@code name}'s dependency closure (dependencies first, depth first, as a recursive
         * post-order walk gives it), without recursion: a chain of thousands of modules must not overflow the stack.
         */
        private List<String> loadOrder(String name) {
            List<String> out = new ArrayList<>();
            Set<String> seen = new java.util.HashSet<>();
            Deque<String> nodes = new ArrayDeque<>();
            Deque<Integer> next = new ArrayDeque<>();
            seen.add(name);
            nodes.push(name);
            next.push(0);
            while (!nodes.isEmpty()) {
                String node = nodes.peek();
                int i = next.pop();
                List<String> deps = direct.getOrDefault(node, List.of());
                if (i < deps.size()) {
                    next.push(i + 1);
                    String dep = deps.get(i);
                    if (seen.add(dep)) {
                        nodes.push(dep);
                        next.push(0);
                    }
                } else {
                    nodes.pop();
                    out.add(node);
                }
            }
            return out;
        }

        @Override
        public String dirname() {
            return dirname;
        }

        /** Synchronized: one directory serves every removal of a {@code Kmod}, which may run at once. */
        @Override
        public synchronized String depLine(String name) {
            if (!direct.containsKey(name)) {
                return null;
            }
            return depLines.computeIfAbsent(name, n -> {
                List<String> order = loadOrder(n);
                order.remove(n);
                // reversed: dependents first, as depmod writes the line
                StringBuilder line = new StringBuilder("kernel/" + n + ".ko:");
                for (int i = order.size() - 1; i >= 0; i--) {
                    line.append(" kernel/").append(order.get(i)).append(".ko");
                }
                return line.toString();
            });
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
            // called for every module of every dependency line: plain string operations, no regular expression
            if (!absolutePath.startsWith(prefix)) {
                return false;
            }
            String file = absolutePath.substring(prefix.length());
            return direct.containsKey(file.endsWith(".ko") ? file.substring(0, file.length() - 3) : file);
        }

        @Override
        public byte[] softdepFile() {
            return null;
        }
    }
}
