package org.kmod4j.modules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import org.kmod4j.api.BadInputException;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.FixtureDeleteModule;
import org.kmod4j.host.HostKernel;
import org.kmod4j.kmod.BuiltinIndex;
import org.kmod4j.kmod.IndexFile;
import org.kmod4j.kmod.KmodLog;
import org.kmod4j.kmod.Libkmod;
import org.kmod4j.kmod.ModprobeConfig;
import org.kmod4j.kmod.ModuleDirectory;
import org.kmod4j.libc.Strerror;
import org.kmod4j.scenario.Scenario;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;
import org.kmod4j.scenario.ScenarioSyntaxException;
import org.kmod4j.sim.BuiltinModule;
import org.kmod4j.sim.ModuleImage;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.sim.time.SimulationDeadlockException;

/**
 * kmod4j as a library, what libkmod's {@code kmod_ctx} is to C: one kernel (the running host, a fixture tree, a
 * simulated kernel), the module directory and modprobe.d configuration around it, and the operations programs need:
 * find modules, read their state, remove them and learn exactly why something failed.
 *
 * {@snippet :
 * Kmod kmod = Kmod.scenario(Path.of("examples/sound-stack.scn"));   // or Kmod.host(), Kmod.fixture(dir)
 * Module pcm = kmod.module("snd-pcm");                                // state, refcount, holders, dependencies
 * Removal r = kmod.remove(List.of("snd_pcm"), RemoveOptions.modprobe().build());
 * for (Step s : r.steps()) {
 *     System.out.println(s.module() + " " + s.reason());               // snd_pcm REMOVED, snd_timer REMOVED
 * }
 * }
 *
 * <p>Errors of the kernel are values ({@link Step#reason()}); methods throw only on misuse and when a backend cannot be
 * opened ({@link KmodException}). A {@code Kmod} is immutable and thread-safe: calls on one instance may run at once,
 * and the kernel's rules decide between them as between processes.
 */
public final class Kmod {
    /** libkmod's default configuration paths (kmod 30: {@code SYSCONFDIR} is {@code /etc}). */
    public static final List<String> DEFAULT_CONFIG_PATHS = List.of("/etc/modprobe.d", "/run/modprobe.d",
            "/usr/local/lib/modprobe.d", "/lib/modprobe.d");

    private final ModuleSubsystem kernel;
    private final BuiltinIndex builtins;
    private final ModuleFiles files;
    private final String description;
    private final String release;
    private final String moduleDirectoryName;
    private final List<ModprobeConfig.Source> configFiles;
    private final Diagnostics diagnostics;
    /**
     * Makes a fresh simulated kernel in the state of this context's backend, with its files (for {@link #explain}):
     * given this context, returns a context on the copy without this one's variations.
     */
    private final Function<Kmod, Kmod> copier;
    /** The module directory and configuration, loaded on first use (modprobe semantics and lookups only). */
    private volatile Resources resources;

    private Kmod(ModuleSubsystem kernel, BuiltinIndex builtins, ModuleFiles files, String description, String release,
                 String moduleDirectoryName, List<ModprobeConfig.Source> configFiles, Diagnostics diagnostics,
                 Function<Kmod, Kmod> copier) {
        this.copier = copier;
        this.kernel = kernel;
        this.builtins = builtins;
        this.files = files;
        this.description = description;
        this.release = release;
        this.moduleDirectoryName = moduleDirectoryName;
        this.configFiles = configFiles;
        this.diagnostics = diagnostics;
    }

    // ---- opening ------------------------------------------------------------------------------------------------

    /** {@return the running machine: {@code /proc/modules}, {@code /sys/module}, the real {@code delete_module}} */
    public static Kmod host() {
        return of(new HostKernel());
    }

    /**
     * A fixture tree standing in for {@code /} (its {@code proc/modules}, {@code sys/module}, {@code lib/modules},
     * {@code etc/modprobe.d}); {@code delete_module} is emulated on the tree by the kernel's rules. Nothing outside
     * {@code root} is read or changed.
     *
     * @throws KmodException when {@code root} is not a directory or its module directory is corrupt
     * @param root the fixture's root directory
     * @return a context on the fixture
     */
    public static Kmod fixture(Path root) {
        if (!Files.isDirectory(root)) {
            throw new KmodException(BadInputException.printable(root.toString()) + ": not a directory.");
        }
        if (HostKernel.isRealRoot(root)) {
            return host();
        }
        return of(new HostKernel(root, new FixtureDeleteModule(root)));
    }

    /**
     * A simulated kernel; its declared module images and builtins make up its module directory.
     *
     * @param kernel the simulated kernel
     * @return a context on it
     */
    public static Kmod simulator(SimulatedKernel kernel) {
        Map<String, List<String>> uses = new TreeMap<>();
        Map<String, List<String>> exports = new TreeMap<>();
        for (ModuleImage image : kernel.declaredImages()) {
            uses.put(image.name().value(), image.uses());
            exports.put(image.name().value(), image.exports());
        }
        Set<String> builtinNames = new LinkedHashSet<>();
        for (BuiltinModule b : kernel.declaredBuiltins()) {
            builtinNames.add(b.name().value());
        }
        return simulated(kernel, uses, exports, builtinNames, "simulated kernel", restoring(kernel));
    }

    /**
     * A simulated kernel after running a scenario's commands; its module directory holds the scenario's modules and
     * {@code builtin} declarations, as depmod would have indexed them.
     *
     * @throws KmodException when the file cannot be read or parsed, or its commands never finish
     * @param file the scenario file (docs/scenario-format.md)
     * @return a context on the simulated kernel the scenario leaves
     */
    public static Kmod scenario(Path file) {
        String shown = BadInputException.printable(file.toString());
        Scenario scenario;
        try {
            scenario = ScenarioParser.read(file);
        } catch (NoSuchFileException e) {
            throw new KmodException(shown + ": No such file or directory");
        } catch (IOException e) {
            throw new KmodException(shown + ": cannot read it: " + ioReason(e));
        } catch (ScenarioSyntaxException e) {
            throw new KmodException(e.describe(shown));
        }
        SimulatedKernel kernel = run(scenario, file);
        Set<String> builtinNames = new LinkedHashSet<>();
        for (BuiltinModule b : scenario.builtins()) {
            builtinNames.add(b.name().value());
        }
        Map<String, List<String>> uses = new LinkedHashMap<>();
        Map<String, List<String>> exports = new LinkedHashMap<>();
        for (ModuleImage image : scenario.images()) {
            uses.put(image.name().value(), image.uses());
            exports.put(image.name().value(), image.exports());
        }
        return simulated(kernel, uses, exports, builtinNames, "simulated kernel from " + file,
                self -> self.copy(run(scenario, file)));
    }

    /** A fresh simulated kernel after the scenario's commands. */
    private static SimulatedKernel run(Scenario scenario, Path file) {
        ScenarioRunner runner = new ScenarioRunner(scenario);
        try {
            runner.run();
        } catch (SimulationDeadlockException e) {
            throw new KmodException(file + ": the scenario never finishes: " + e.getMessage());
        }
        return runner.kernel();
    }

    /**
     * A simulated kernel restored from a snapshot file (docs/snapshot-format.md): its {@code /proc/modules} state,
     * taint and {@code modules_disabled}, with the snapshot's module directory, builtin index and modprobe.d. Every
     * call opens a fresh kernel; nothing of the host is read besides the file, nothing is changed.
     *
     * @param file the snapshot file ({@code kmod4j snapshot -o FILE})
     * @return a context on the restored kernel
     * @throws KmodException when the file cannot be read or is not a valid snapshot (the message names its line)
     */
    public static Kmod snapshot(Path file) {
        try {
            return snapshot(org.kmod4j.snapshot.SnapshotFormat.read(file));
        } catch (BadInputException e) {
            throw new KmodException(e.getMessage());
        }
    }

    /**
     * A fresh simulated kernel in a snapshot's state, with its files: {@link #snapshot(Path)}, and {@link #explain}'s
     * copy of a host or fixture captured in memory. Private: {@code org.kmod4j.snapshot} is not exported.
     */
    private static Kmod snapshot(org.kmod4j.snapshot.Snapshot snapshot) {
        org.kmod4j.snapshot.SnapshotKernel kernel = new org.kmod4j.snapshot.SnapshotKernel(snapshot.newKernel(),
                snapshot);
        ModuleFiles files = new ModuleFiles() {
            @Override
            public String release() {
                return snapshot.release();
            }

            @Override
            public Path resolve(String absolutePath) {
                return snapshot.configRoot().resolve(absolutePath.substring(1));
            }

            @Override
            public ModuleDirectory moduleDirectory(String release) {
                return snapshot.moduleDirectory(release);
            }
        };
        return new Kmod(kernel, snapshot.builtinIndex(snapshot.release()), files,
                "simulated kernel from a snapshot" + (snapshot.source() == null ? "" : " of " + snapshot.source()),
                null, null, null, Diagnostics.NONE, self -> snapshot(snapshot));
    }

    /**
     * The same context with its kernel seen through {@code wrap} (to record the calls made on it, say); the module
     * directory, configuration and builtins stay the same. {@code wrap} must delegate to the kernel it is given.
     *
     * @param wrap makes the kernel to use from this context's kernel
     * @return the changed copy
     */
    public Kmod observed(java.util.function.UnaryOperator<ModuleSubsystem> wrap) {
        return new Kmod(Objects.requireNonNull(wrap.apply(kernel)), builtins, files, description, release,
                moduleDirectoryName, configFiles, diagnostics, copier);
    }

    private static Kmod simulated(SimulatedKernel kernel, Map<String, List<String>> uses,
                                  Map<String, List<String>> exports, Set<String> builtinNames, String description,
                                  Function<Kmod, Kmod> copier) {
        ModuleFiles files = new ModuleFiles() {
            /** Made on the first call: only modprobe semantics read the module directory. */
            private ModuleDirectory modules;

            @Override
            public String release() {
                return kernel.profile().release();
            }

            @Override
            public Path resolve(String absolutePath) {
                return null;
            }

            @Override
            public synchronized ModuleDirectory moduleDirectory(String release) {
                if (modules == null) {
                    modules = ModuleDirectory.simulated("/lib/modules/" + kernel.profile().release(), uses, exports,
                            builtinNames);
                }
                return modules;
            }
        };
        return new Kmod(kernel, BuiltinIndex.of(builtinNames), files, description, null, null, null,
                Diagnostics.NONE, copier);
    }

    /**
     * Any backend. A {@link HostKernel} brings its files (the real ones, or a fixture's); a {@link SimulatedKernel}
     * its declared modules; any other {@link ModuleSubsystem} has no module directory and no builtin modules.
     *
     * @throws KmodException when a host's {@code modules.builtin.bin} is corrupt
     * @param kernel the backend
     * @return a context on it
     */
    public static Kmod of(ModuleSubsystem kernel) {
        Objects.requireNonNull(kernel);
        if (kernel instanceof SimulatedKernel sim) {
            return simulator(sim);
        }
        if (!(kernel instanceof HostKernel host)) {
            return new Kmod(kernel, BuiltinIndex.none(), ModuleFiles.NONE, kernel.toString(), null, null, null,
                    Diagnostics.NONE, restoring(kernel));
        }
        String indexName = "/lib/modules/" + host.release() + "/modules.builtin.bin";
        Path index = host.resolve(indexName);
        // Checked once now, before anything is changed: a corrupt index stops here with a clear message instead of
        // failing at the first lookup, which may come after other modules were already removed.
        try {
            IndexFile.open(index, indexName);
        } catch (BadInputException e) {
            throw new KmodException(e.getMessage());
        }
        ModuleFiles files = new ModuleFiles() {
            @Override
            public String release() {
                return host.release();
            }

            @Override
            public Path resolve(String absolutePath) {
                return host.resolve(absolutePath);
            }
        };
        return new Kmod(host, BuiltinIndex.file(index), files, host.toString(), null, null, null, Diagnostics.NONE,
                self -> captured(host.root()));
    }

    /** An I/O failure's reason without Java's exception class names. */
    private static String ioReason(IOException e) {
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "Permission denied";
        }
        String m = e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : e.getMessage();
        return m == null ? "input/output error" : m;
    }

    // ---- variations -----------------------------------------------------------------------------------------

    /**
     * The same kernel with another release naming the module directory ({@code modprobe -S VERSION}).
     *
     * @param kernelRelease the release, as {@code uname -r} prints it
     * @return the changed copy
     */
    public Kmod withRelease(String kernelRelease) {
        return new Kmod(kernel, builtins, files, description, Objects.requireNonNull(kernelRelease), null, configFiles,
                diagnostics, copier);
    }

    /**
     * The same kernel with another module directory of this machine's file system, named as libkmod names it in
     * messages ({@code modprobe -d DIR} reads {@code DIR/lib/modules/RELEASE}).
     *
     * @param dirname the directory, such as {@code /mnt/lib/modules/6.1.0-57-amd64}
     * @return the changed copy
     */
    public Kmod withModuleDirectory(String dirname) {
        return new Kmod(kernel, builtins, files, description, release, dirname, configFiles, diagnostics, copier);
    }

    /**
     * The same kernel reading these modprobe.d files or directories instead of the default ones ({@code -C}), named
     * in messages as given and read relative to {@code workingDirectory}.
     *
     * @param paths            files or directories, as the user gave them
     * @param workingDirectory where relative paths are read from
     * @return the changed copy
     */
    public Kmod withConfiguration(List<String> paths, Path workingDirectory) {
        List<ModprobeConfig.Source> sources = new ArrayList<>();
        for (String p : paths) {
            Path file;
            try {
                file = workingDirectory.resolve(p);
            } catch (java.nio.file.InvalidPathException e) {
                file = null;
            }
            sources.add(new ModprobeConfig.Source(p, file));
        }
        return new Kmod(kernel, builtins, files, description, release, moduleDirectoryName, List.copyOf(sources),
                diagnostics, copier);
    }

    /**
     * The same kernel, with the messages of loading the module directory and configuration (a malformed modprobe.d
     * line, say) going to {@code sink}.
     *
     * @param sink where the messages go
     * @return the changed copy
     */
    public Kmod withDiagnostics(Diagnostics sink) {
        return new Kmod(kernel, builtins, files, description, release, moduleDirectoryName, configFiles,
                Objects.requireNonNull(sink), copier);
    }

    // ---- reading ----------------------------------------------------------------------------------------------

    /** {@return where the messages about this context's files go} */
    Diagnostics diagnostics() {
        return diagnostics;
    }

    /** {@return the kernel this context works on} */
    public ModuleSubsystem kernel() {
        return kernel;
    }

    /** {@return whether this is the running machine itself (not a fixture or a simulator)} */
    public boolean isRealHost() {
        return kernel instanceof HostKernel hk && hk.isRealRoot();
    }

    /** {@return the kernel release naming the module directory} */
    public String release() {
        return release != null ? release : files.release();
    }

    /** {@return A short description of the backend, for messages} */
    public String description() {
        return description;
    }

    @Override
    public String toString() {
        return "Kmod[" + description + "]";
    }

    /**
     * The modules of {@code /proc/modules}, newest first, each read as lsmod reads it: its count, size and holders
     * (libkmod's messages about unreadable files go to {@link #withDiagnostics}), then its state.
     *
     * @throws KmodException when {@code /proc/modules} cannot be read (a kernel without module support)
     * @return the loaded modules, newest first
     */
    public List<Module> loaded() {
        Libkmod lib = libkmod(diagnostics);
        Libkmod.Result<List<Libkmod.Module>> names = lib.newFromLoaded();
        if (!names.isOk()) {
            throw new KmodException("could not get list of modules: " + Strerror.text(-names.error()));
        }
        Map<String, LoadedModule> lines = procModules();
        Libkmod quiet = libkmod(Diagnostics.NONE);
        List<Module> out = new ArrayList<>();
        for (Libkmod.Module m : names.value()) {
            int refcount = lib.refcnt(m);
            long size = lib.size(m);
            List<Libkmod.Module> hs = lib.holders(m);
            List<String> holders = hs == null ? null : hs.stream().map(Libkmod.Module::name).toList();
            out.add(describe(m.name(), state(quiet.initstate(m)), refcount, size, holders, lines));
        }
        return out;
    }

    /**
     * One module by name ({@code -} and {@code _} alike, as libkmod normalizes): its state (possibly
     * {@link Module.State#NOT_LOADED} or {@link Module.State#BUILTIN}), counts, holders and dependencies.
     *
     * @param name the module's name
     * @return what was read of it
     */
    public Module module(String name) {
        return module(libkmod(diagnostics), Libkmod.normalize(name), procModules());
    }

    /**
     * The modules a name, an alias ({@code pci:v00008086d...}, {@code symbol:foo}), a modprobe.d alias or a module
     * file's path ({@code .../snd-pcm.ko}, {@code .ko.xz}: named by its basename, as rmmod does) stands for, looked up
     * as {@code modprobe} does; empty when none.
     *
     * @throws IllegalArgumentException for an invalid alias (an unbalanced bracket)
     * @param nameOrAlias a module name or an alias
     * @return the modules it stands for, possibly none
     */
    public List<Module> lookup(String nameOrAlias) {
        if (nameOrAlias.endsWith(".ko") || nameOrAlias.contains(".ko.")) {
            // a module file's path (as rmmod takes it): the module is named by the file's basename
            String base = nameOrAlias.substring(nameOrAlias.lastIndexOf('/') + 1);
            return base.isEmpty() ? List.of() : List.of(module(base));
        }
        ModprobeRemover lookup = new ModprobeRemover(this, RemoveOptions.modprobe().build(), resources());
        List<String> names = lookup.lookupNames(nameOrAlias);
        if (names == null) {
            throw new IllegalArgumentException("invalid alias: " + nameOrAlias);
        }
        Libkmod lib = libkmod(diagnostics);
        Map<String, LoadedModule> lines = procModules();
        List<Module> out = new ArrayList<>();
        for (String n : names) {
            out.add(module(lib, n, lines));
        }
        return out;
    }

    private Module module(Libkmod lib, String name, Map<String, LoadedModule> lines) {
        Libkmod.Module mod = lib.newFromName(name);
        Module.State s = state(libkmod(Diagnostics.NONE).initstate(mod));
        if (s == Module.State.NOT_LOADED || s == Module.State.BUILTIN) {
            return describe(name, s, null, null, List.of(), lines);
        }
        int refcount = lib.refcnt(mod);
        long size = lib.size(mod);
        List<Libkmod.Module> hs = lib.holders(mod);
        return describe(name, s, refcount, size, hs == null ? null : hs.stream().map(Libkmod.Module::name).toList(),
                lines);
    }

    private static Module.State state(int initstate) {
        return switch (initstate) {
            case Libkmod.BUILTIN -> Module.State.BUILTIN;
            case Libkmod.LIVE -> Module.State.LIVE;
            case Libkmod.COMING -> Module.State.COMING;
            case Libkmod.GOING -> Module.State.GOING;
            default -> Module.State.NOT_LOADED;
        };
    }

    private Module describe(String name, Module.State s, Integer refcount, Long size, List<String> holders,
                            Map<String, LoadedModule> lines) {
        LoadedModule line = lines.get(name);
        List<String> deps = List.of();
        List<String> pre = List.of();
        List<String> post = List.of();
        String path = null;
        Resources res = resourcesOrNull();
        if (res != null) {
            String dep = res.directory().depLine(name);
            if (dep != null) {
                ModprobeRemover.DepLine parsed = ModprobeRemover.DepLine.parse(dep, res.directory().dirname());
                deps = parsed.dependencies();
                path = parsed.path();
            }
            ModprobeConfig.Softdep sd = res.config().softdepFor(name);
            if (sd != null) {
                pre = sd.pre();
                post = sd.post();
            }
        }
        return new Module(name, s, refcount, holders, deps, pre, post, size, line == null ? null : line.taints(),
                line == null ? null : line.permanent(), path);
    }

    /** {@return the parsed {@code /proc/modules} lines by name; empty when it does not parse} */
    Map<String, LoadedModule> procModules() {
        Map<String, LoadedModule> byName = new HashMap<>();
        try {
            for (LoadedModule m : kernel.loadedModules()) {
                byName.put(m.name().value(), m);
            }
        } catch (ViewException | RuntimeException e) {
            return Map.of();
        }
        return byName;
    }

    // ---- removing ---------------------------------------------------------------------------------------------

    /**
     * Removes modules, in the order given, as {@code options} say ({@link RemoveOptions#rmmod()} or
     * {@link RemoveOptions#modprobe()}), and returns what happened. Never throws for what the kernel or the files
     * answer: every failure is a {@link Step} with its {@link Reason}.
     *
     * @param modules the modules, in the order to remove them
     * @param options how
     * @return what happened, step by step
     */
    public Removal remove(List<String> modules, RemoveOptions options) {
        Objects.requireNonNull(options);
        List<String> names = List.copyOf(modules);
        if (options.semantics() == RemoveOptions.Semantics.RMMOD) {
            return new RmmodRemover(this, options).remove(names);
        }
        Resources res;
        try {
            res = resources();
        } catch (BadInputException e) {
            return ModprobeRemover.unusable(names, Reason.BROKEN_INPUT, e.getMessage(), options);
        } catch (org.kmod4j.host.FixtureException e) {
            return ModprobeRemover.unusable(names, Reason.UNSAFE_FIXTURE, e.getMessage(), options);
        }
        return new ModprobeRemover(this, options, res).remove(names);
    }

    /**
     * {@link #remove(List, RemoveOptions)} of one module.
     *
     * @param module  the module
     * @param options how
     * @return what happened, step by step
     */
    public Removal remove(String module, RemoveOptions options) {
        return remove(List.of(module), options);
    }

    // ---- predicting -------------------------------------------------------------------------------------------

    /**
     * Predicts what {@link #remove(List, RemoveOptions) remove(modules, options)} would do, step by step, without doing
     * it: the same removal runs on a fresh simulated kernel in this context's state, and the {@link Plan} says what
     * each step met and did there. This context's kernel is never changed, and no {@code delete_module} reaches it:
     *
     * <ul>
     * <li>the running host ({@link #host()}) or a fixture ({@link #fixture}): its state is captured in memory, as
     * {@code kmod4j snapshot} records it (docs/snapshot-format.md), and restored into a fresh simulator with Debian
     * 12's rules and force unload configured in, as a snapshot is; a fixture's emulated {@code delete_module} (or any
     * other syscall backend of a {@link HostKernel}) is not used;</li>
     * <li>a snapshot ({@link #snapshot(Path)}): a fresh kernel restored from it;</li>
     * <li>a scenario ({@link #scenario}): its commands run again on a fresh kernel, timers and tasks included;</li>
     * <li>a simulator built in code ({@link #simulator}), or any other backend ({@link #of}): a live simulator cannot
     * be cloned (its tasks hold references in the caller's code, its clock and wait queues have threads), so the copy
     * is its {@code /proc/modules} state restored into a fresh simulator of the same profile and build options, with
     * its taint mask, {@code modules_disabled} and declared modules, as a snapshot of it would be. Each module's
     * count is kept, but nothing will drop the references, and exit functions run at once.</li>
     * </ul>
     *
     * <p>modprobe.d {@code remove} commands are never run: {@link RemoveOptions.Commands#RUN} is taken as
     * {@link RemoveOptions.Commands#REPORT} ({@code IGNORE} stays). {@code options}' listener still receives every
     * event of the run on the copy, so a tool can print the messages it would print. When several modules are given
     * and the removal fails, the holders-first order ({@link Plan#order()}) is tried on another fresh copy, without
     * the listener.
     *
     * @param modules the modules, in the order {@code remove} would get them
     * @param options how {@code remove} would remove them
     * @return the prediction
     * @throws KmodException when the state cannot be read to be copied (a fixture without {@code proc/modules}, a
     *                       link out of it)
     */
    public Plan explain(List<String> modules, RemoveOptions options) {
        return Explainer.explain(this, List.copyOf(modules), Objects.requireNonNull(options));
    }

    /**
     * {@link #explain(List, RemoveOptions)} of one module.
     *
     * @param module  the module
     * @param options how {@code remove} would remove it
     * @return the prediction
     * @throws KmodException when the state cannot be read to be copied
     */
    public Plan explain(String module, RemoveOptions options) {
        return explain(List.of(module), options);
    }

    /**
     * A context on a fresh simulated kernel in this one's state (see {@link #explain}), with this context's release,
     * module directory and configuration, and {@code sink} for the messages about the files.
     */
    Kmod freshCopy(Diagnostics sink) {
        Kmod base;
        try {
            base = copier.apply(this);
        } catch (BadInputException | org.kmod4j.host.FixtureException e) {
            throw new KmodException(e.getMessage());
        }
        return new Kmod(base.kernel, base.builtins, base.files, base.description, release, moduleDirectoryName,
                configFiles, sink, base.copier);
    }

    /** This context's files and builtins on another kernel, which later copies restore. */
    private Kmod copy(SimulatedKernel kernel) {
        return new Kmod(kernel, builtins, files, description, null, null, null, Diagnostics.NONE, restoring(kernel));
    }

    /** A host's or fixture's state captured in memory, on a fresh kernel. */
    private static Kmod captured(Path root) {
        return snapshot(org.kmod4j.snapshot.SnapshotFormat.capture(root));
    }

    /** Copies {@code kernel} by restoring its {@code /proc/modules} state into a fresh simulator. */
    private static Function<Kmod, Kmod> restoring(ModuleSubsystem kernel) {
        return self -> self.copy(restored(kernel));
    }

    /** A fresh simulator in the state {@code kernel} shows: its modules, taint mask and {@code modules_disabled}. */
    private static SimulatedKernel restored(ModuleSubsystem kernel) {
        SimulatedKernel.Builder b = SimulatedKernel.builder();
        long tainted;
        boolean disabled;
        if (kernel instanceof SimulatedKernel sim) {
            b.profile(sim.profile()).config(sim.config());
            sim.declaredImages().forEach(b::module);
            sim.declaredBuiltins().forEach(b::builtin);
            tainted = sim.taintedMask();
            disabled = sim.modulesDisabled();
        } else {
            b.config(org.kmod4j.sim.KernelConfig.debian().withForceUnload(true));
            tainted = Long.parseLong(sysctl(kernel, "tainted"));
            disabled = sysctl(kernel, "modules_disabled").equals("1");
        }
        try {
            return b.restore(kernel.loadedModules()).taintedMask(tainted).modulesDisabled(disabled).build();
        } catch (ViewException | IllegalArgumentException e) {
            throw new KmodException("cannot copy the kernel's state: " + e.getMessage());
        }
    }

    /** A number from {@code /proc/sys/kernel/NAME}; "0" when it cannot be read. */
    private static String sysctl(ModuleSubsystem kernel, String name) {
        try {
            String v = kernel.readFile("/proc/sys/kernel/" + name).strip();
            Long.parseLong(v);
            return v;
        } catch (ViewException | RuntimeException e) {
            return "0";
        }
    }

    // ---- internals --------------------------------------------------------------------------------------------

    /** The module directory and configuration modprobe reads, and the files it read them from. */
    record Resources(ModuleDirectory directory, ModprobeConfig config) {
    }

    Libkmod libkmod(Diagnostics sink) {
        return new Libkmod(kernel, builtins, log(sink));
    }

    static KmodLog log(Diagnostics sink) {
        return (priority, function, message) -> sink.report(Severity.ofSyslogPriority(priority), function, message);
    }

    private Resources resourcesOrNull() {
        try {
            return resources();
        } catch (BadInputException | org.kmod4j.host.FixtureException e) {
            return null;
        }
    }

    /** {@return loads the module directory and the configuration once: both are checked whole before anything is removed} */
    Resources resources() {
        Resources r = resources;
        if (r == null) {
            synchronized (this) {
                r = resources;
                if (r == null) {
                    r = loadResources();
                    resources = r;
                }
            }
        }
        return r;
    }

    private Resources loadResources() {
        ModuleDirectory dir = moduleDirectoryName != null
                ? ModuleDirectory.files(moduleDirectoryName, Path::of)
                : files.moduleDirectory(release());
        List<ModprobeConfig.Source> sources = new ArrayList<>();
        if (configFiles != null) {
            sources.addAll(configFiles);
        } else {
            for (String c : DEFAULT_CONFIG_PATHS) {
                sources.add(new ModprobeConfig.Source(c, files.resolve(c)));
                if (!isRealHost()) {
                    checkFixtureConfig(c);
                }
            }
        }
        dir.check();
        ModprobeConfig config = ModprobeConfig.load(dir.dirname(), dir.softdepFile(), sources, log(diagnostics));
        return new Resources(dir, config);
    }

    /**
     * A fixture's configuration directory is read file by file by {@link ModprobeConfig}: each entry is resolved
     * through the fixture first, so that a {@code .conf} that is a symbolic link out of the root (to {@code /dev/zero},
     * to a file of the machine) is refused with its name instead of being read. Entries that are neither files nor
     * directories (a FIFO would block the read) are refused too.
     */
    private void checkFixtureConfig(String dir) {
        Path p = files.resolve(dir);
        if (p == null || !Files.isDirectory(p)) {
            return;
        }
        try (java.nio.file.DirectoryStream<Path> entries = Files.newDirectoryStream(p)) {
            for (Path entry : entries) {
                Path real = files.resolve(dir + "/" + entry.getFileName());
                if (Files.exists(real) && !Files.isRegularFile(real) && !Files.isDirectory(real)) {
                    throw new org.kmod4j.host.FixtureException(real + ": not a regular file (a FIFO, device or "
                            + "socket) in a configuration directory of the fixture; nothing was changed");
                }
            }
        } catch (IOException e) {
            // unreadable: ModprobeConfig skips it as libkmod does
        }
    }
}
