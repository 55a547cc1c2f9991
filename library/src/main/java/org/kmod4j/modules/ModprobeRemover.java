package org.kmod4j.modules;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kmod4j.api.Errno;
import org.kmod4j.api.LoadedModule;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.ViewException;
import org.kmod4j.host.FixtureException;
import org.kmod4j.kmod.Libkmod;
import org.kmod4j.kmod.ModprobeConfig;
import org.kmod4j.kmod.ModuleDirectory;
import org.kmod4j.libc.CText;
import org.kmod4j.libc.Fnmatch;
import org.kmod4j.libc.Strerror;

/**
 * modprobe -r's semantics (kmod 30 {@code tools/modprobe.c}, with libkmod's lookup), with the project's chosen fixes
 * (docs/tools.md): the cleanup of dependencies that became unused is recursive, a wait that runs out is a failure, a
 * module removed earlier in the call is not removed again, and a soft-dependency cycle is not followed around.
 */
final class ModprobeRemover {
    /** {@code RMMOD_FLAG_REMOVE_HOLDERS}, {@code RMMOD_FLAG_IGNORE_BUILTIN}. */
    private static final int FLAG_REMOVE_HOLDERS = 0x1;
    private static final int FLAG_IGNORE_BUILTIN = 0x2;
    private static final int ENOENT = Errno.ENOENT.number();
    private static final int EBUSY = Errno.EBUSY.number();

    private final Kmod kmod;
    private final RemoveOptions options;
    private final RemovalListener listener;
    private final ModuleDirectory dir;
    private final ModprobeConfig config;
    private final Libkmod lib;
    private final DeleteCall delete;
    private final boolean ignoreCommands;
    private final boolean dryRun;
    private final boolean ignoreLoaded;

    private final Map<String, Mod> pool = new HashMap<>();
    /** Modules this call removed (never removed twice). */
    private final Set<String> removed = new HashSet<>();
    /** Modules being processed (the softdep cycle guard). */
    private final Set<String> inProgress = new HashSet<>();
    private final List<Step> steps = new ArrayList<>();
    private String argument;

    ModprobeRemover(Kmod kmod, RemoveOptions options, Kmod.Resources resources) {
        this.kmod = kmod;
        this.options = options;
        this.listener = options.listener();
        this.dir = resources.directory();
        this.config = resources.config();
        this.lib = kmod.libkmod(listener);
        this.delete = new DeleteCall(kmod, options, listener);
        this.ignoreCommands = options.commands() == RemoveOptions.Commands.IGNORE;
        this.dryRun = options.dryRun();
        this.ignoreLoaded = options.assumeLoaded();
    }

    /** The removal of a call whose module directory or configuration could not be used: one failed step. */
    static Removal unusable(List<String> names, Reason reason, String message, RemoveOptions options) {
        Step step = Step.of(null, null, Step.Role.ARGUMENT, reason, true).withErrorText(message);
        options.listener().finished(step);
        return new Removal(List.of(), List.of(step), options.dryRun(), null, List.of());
    }

    /** Thrown when a FATAL failure stops the call ({@link RemoveOptions#stopAtFatal()}). */
    private static final class Stop extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stop() {
            super(null, null, false, false);
        }
    }

    Removal remove(List<String> operands) {
        List<Removal.Argument> arguments = new ArrayList<>();
        for (int i = 0; i < operands.size(); i++) {
            String arg = operands.get(i);
            argument = arg;
            ArgumentRun run = new ArgumentRun();
            boolean stop = false;
            try {
                rmmod(arg, run);
            } catch (Stop e) {
                stop = true;
            } catch (FixtureException e) {
                finish(Step.of(arg, null, Step.Role.ARGUMENT, Reason.UNSAFE_FIXTURE, true)
                        .withErrorText(e.getMessage()));
                stop = true;
            }
            arguments.add(new Removal.Argument(arg, run.modules, run.status));
            if (stop) {
                for (String rest : operands.subList(i + 1, operands.size())) {
                    arguments.add(new Removal.Argument(rest, List.of(), Removal.Status.NOT_PROCESSED));
                }
                break;
            }
        }
        return new Removal(arguments, steps, dryRun, dir.dirname(), config.files);
    }

    /** An argument's modules and status while it is processed. */
    private static final class ArgumentRun {
        List<String> modules = List.of();
        Removal.Status status = Removal.Status.FAILED;
    }

    private Step finish(Step step) {
        steps.add(step);
        listener.finished(step);
        return step;
    }

    private Step event(Mod mod, String role, Reason reason, boolean failed) {
        return Step.of(argument, mod.name, roleOf(role), reason, failed);
    }

    private static Step.Role roleOf(String role) {
        return switch (role) {
            case "holder" -> Step.Role.HOLDER;
            case "dependency" -> Step.Role.DEPENDENCY;
            case "softdep-pre" -> Step.Role.SOFTDEP_PRE;
            case "softdep-post" -> Step.Role.SOFTDEP_POST;
            default -> Step.Role.ARGUMENT;
        };
    }

    /** A failure kmod reports as FATAL: kmod's modprobe exits there. */
    private void fatal(Step step) {
        finish(step);
        if (options.stopAtFatal()) {
            throw new Stop();
        }
    }

    // ---- modules (struct kmod_module, with libkmod's pool by name) ------------------------------------------

    private final class Mod {
        final String name;
        String path;
        /** null: not known yet (looked up in modules.builtin.bin when needed). */
        Boolean builtin;
        boolean depInit;
        List<Mod> deps = List.of();
        boolean removeInit;
        String removeCommand;

        Mod(String name) {
            this.name = name;
        }

        Libkmod.Module lib() {
            return new Libkmod.Module(name, path);
        }

        boolean isBuiltin() {
            if (builtin == null) {
                builtin = dir.isBuiltin(name);
            }
            return builtin;
        }
    }

    private Mod newFromName(String name) {
        String norm = Libkmod.normalize(name);
        return pool.computeIfAbsent(norm, k -> new Mod(norm));
    }

    private Mod newFromAlias(String alias, String name) {
        return pool.computeIfAbsent(name + "\\" + alias, k -> new Mod(name));
    }

    /** {@code kmod_module_new_from_path()}: null (and the error in {@code err[0]}) when it fails. */
    private Mod newFromPath(String path, int[] err) {
        if (!dir.exists(path)) {
            err[0] = -ENOENT;
            return null;
        }
        String base = path.substring(path.lastIndexOf('/') + 1);
        if (base.isEmpty()) {
            err[0] = -ENOENT;
            return null;
        }
        String name = Libkmod.normalize(base);
        Mod m = pool.get(name);
        if (m != null) {
            if (m.path == null) {
                m.path = path;
            } else if (!m.path.equals(path)) {
                listener.report(Severity.ERROR, "kmod_module_new_from_path", "kmod_module '" + name
                        + "' already exists with different path: new-path='" + path + "' old-path='" + m.path
                        + "'\n");
                err[0] = -Errno.EEXIST.number();
                return null;
            }
        } else {
            m = new Mod(name);
            m.path = path;
            pool.put(name, m);
        }
        m.builtin = false;
        return m;
    }

    /** A {@code modules.dep} line: the module's path and its dependencies in load order. */
    record DepLine(String path, List<String> dependencies) {
        static DepLine parse(String line, String dirname) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                return new DepLine(null, List.of());
            }
            List<String> deps = new ArrayList<>();
            CText.Strtok tok = new CText.Strtok(CText.bytes(line.substring(colon + 1)), " \t");
            String p;
            while ((p = tok.next()) != null) {
                String base = p.substring(p.lastIndexOf('/') + 1);
                deps.add(0, Libkmod.normalize(base));
            }
            return new DepLine(join(dirname, line.substring(0, colon)), deps);
        }

        static String join(String dirname, String path) {
            return path.startsWith("/") ? path : dirname + "/" + path;
        }
    }

    /** {@code kmod_module_parse_depline()}. */
    private void parseDepline(Mod mod, String line) {
        if (mod.depInit) {
            return;
        }
        mod.depInit = true;
        int colon = line.indexOf(':');
        if (colon < 0) {
            return;
        }
        if (mod.path == null) {
            mod.path = DepLine.join(dir.dirname(), line.substring(0, colon));
        }
        List<Mod> list = new ArrayList<>();
        CText.Strtok tok = new CText.Strtok(CText.bytes(line.substring(colon + 1)), " \t");
        String p;
        while ((p = tok.next()) != null) {
            String path = DepLine.join(dir.dirname(), p);
            int[] err = new int[1];
            Mod dep = newFromPath(path, err);
            if (dep == null) {
                listener.report(Severity.ERROR, "kmod_module_parse_depline", "ctx=0x"
                        + Integer.toHexString(System.identityHashCode(this)) + " path=" + path + " error="
                        + Strerror.text(-err[0]) + "\n");
                mod.depInit = false;
                return;
            }
            list.add(0, dep);
        }
        mod.deps = List.copyOf(list);
    }

    /** {@code kmod_module_get_dependencies()}: load order (the modules.dep line reversed). */
    private List<Mod> dependencies(Mod mod) {
        if (!mod.depInit) {
            String line = dir.depLine(mod.name);
            if (line == null) {
                return List.of();
            }
            parseDepline(mod, line);
            if (!mod.depInit) {
                return List.of();
            }
        }
        return mod.deps;
    }

    /** {@code alias_normalize()}: null for an unbalanced bracket (-EINVAL). */
    private static String aliasNormalize(String alias) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < alias.length() && i < 4095; i++) {
            char c = alias.charAt(i);
            switch (c) {
                case '-' -> out.append('_');
                case ']' -> {
                    return null;
                }
                case '[' -> {
                    while (i < alias.length() && alias.charAt(i) != ']') {
                        out.append(alias.charAt(i));
                        i++;
                    }
                    if (i >= alias.length()) {
                        return null;
                    }
                    out.append(']');
                }
                case '\0' -> {
                    return out.toString();
                }
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** The names {@code given} stands for, looked up as modprobe does; null for an invalid alias. */
    List<String> lookupNames(String given) {
        List<Mod> found = lookup(given);
        return found == null ? null : found.stream().map(m -> m.name).toList();
    }

    /** {@code kmod_module_new_from_lookup()}: null for an invalid alias (-EINVAL), else the modules found. */
    private List<Mod> lookup(String given) {
        String alias = aliasNormalize(given);
        if (alias == null) {
            return null;
        }
        List<Mod> list = new ArrayList<>();
        // 1. aliases from the configuration
        for (ModprobeConfig.Alias a : config.aliases) {
            if (Fnmatch.matches(a.pattern(), alias)) {
                list.add(newFromAlias(a.pattern(), a.modname()));
            }
        }
        if (!list.isEmpty()) {
            return list;
        }
        // 2. modules.dep.bin
        if (alias.indexOf(':') < 0) {
            String line = dir.depLine(alias);
            if (line != null) {
                Mod mod = newFromName(alias);
                list.add(mod);
                parseDepline(mod, line);
                return list;
            }
        }
        // 3. modules.symbols.bin
        if (alias.startsWith("symbol:")) {
            if (wild(ModuleDirectory.WildIndex.SYMBOLS, alias, list, false)) {
                return list;
            }
        }
        // 4. install and remove commands
        for (ModprobeConfig.Command c : config.installCommands) {
            if (c.modname().equals(alias)) {
                list.add(newFromName(c.modname()));
                return list;
            }
        }
        for (ModprobeConfig.Command c : config.removeCommands) {
            if (c.modname().equals(alias)) {
                Mod mod = newFromName(c.modname());
                mod.removeInit = true;
                mod.removeCommand = c.command();
                list.add(mod);
                return list;
            }
        }
        // 5. modules.alias.bin
        if (wild(ModuleDirectory.WildIndex.ALIAS, alias, list, false)) {
            return list;
        }
        // 6. modules.builtin.bin
        if (dir.isBuiltin(alias)) {
            Mod mod = newFromName(alias);
            mod.builtin = true;
            list.add(mod);
            return list;
        }
        // 7. modules.builtin.alias.bin
        wild(ModuleDirectory.WildIndex.BUILTIN_ALIAS, alias, list, true);
        return list;
    }

    private boolean wild(ModuleDirectory.WildIndex index, String alias, List<Mod> list, boolean builtin) {
        List<String> names = dir.searchWild(index, alias);
        if (names == null) {
            return false;
        }
        for (String n : names) {
            Mod mod = newFromAlias(alias, n);
            if (builtin) {
                mod.builtin = true;
            }
            list.add(mod);
        }
        return !list.isEmpty();
    }

    /** {@code lookup_softdep()}. */
    private List<Mod> lookupSoftdeps(List<String> names) {
        List<Mod> out = new ArrayList<>();
        for (String depname : names) {
            List<Mod> found = lookup(depname);
            if (found == null) {
                listener.report(Severity.ERROR, "lookup_softdep",
                        "failed to lookup soft dependency '" + depname + "', continuing anyway.\n");
                continue;
            }
            out.addAll(found);
        }
        return out;
    }

    private String removeCommand(Mod mod) {
        if (!mod.removeInit) {
            mod.removeCommand = config.removeCommandFor(mod.name);
            mod.removeInit = true;
        }
        return mod.removeCommand;
    }

    // ---- removal -------------------------------------------------------------------------------------------

    /** {@code rmmod()}: one argument. */
    private void rmmod(String arg, ArgumentRun run) {
        List<Mod> list = lookup(arg);
        if (list == null) {
            run.status = Removal.Status.INVALID_NAME;
            finish(Step.of(arg, null, Step.Role.ARGUMENT, Reason.INVALID_NAME, true));
            return;
        }
        run.modules = list.stream().map(m -> m.name).toList();
        if (list.isEmpty()) {
            run.status = Removal.Status.NOT_FOUND;
            fatal(Step.of(arg, null, Step.Role.ARGUMENT, Reason.NOT_FOUND, true));
            return;
        }
        for (Mod mod : list) {
            run.status = Removal.Status.FAILED;
            int err = doModule(mod, options.withHolders() ? FLAG_REMOVE_HOLDERS : 0, "argument");
            if (err < 0) {
                return;
            }
            run.status = Removal.Status.DONE;
        }
    }

    /** {@code rmmod_do_modlist()}: last to first. */
    private int doModlist(List<Mod> list, boolean stopOnErrors, String role) {
        for (int i = list.size() - 1; i >= 0; i--) {
            int r = doModule(list.get(i), FLAG_IGNORE_BUILTIN, role);
            if (r < 0 && stopOnErrors) {
                return r;
            }
        }
        return 0;
    }

    /** {@code rmmod_do_module()}, with kmod4j's cycle guard. */
    private int doModule(Mod mod, int flags, String role) {
        if (!inProgress.add(mod.name)) {
            finish(event(mod, role, Reason.CYCLE, false));
            return 0;
        }
        try {
            return doModuleOnce(mod, flags, role);
        } finally {
            inProgress.remove(mod.name);
        }
    }

    private int doModuleOnce(Mod mod, int flags, String role) {
        List<Mod> pre = List.of();
        List<Mod> post = List.of();
        String cmd = null;
        if (!ignoreCommands) {
            ModprobeConfig.Softdep sd = config.softdepFor(mod.name);
            if (sd != null) {
                pre = lookupSoftdeps(sd.pre());
                post = lookupSoftdeps(sd.post());
            }
            cmd = removeCommand(mod);
        }

        // 0. a quick check that the module is loaded
        if (cmd == null && !ignoreLoaded) {
            int state = lib.initstate(mod.lib(), mod.isBuiltin());
            if (state < 0) {
                if (options.requireLoaded()) {
                    fatal(event(mod, role, Reason.NOT_LOADED, true));
                    return -ENOENT;
                }
                finish(event(mod, role, Reason.NOT_LOADED, false));
                return 0;
            } else if (state == Libkmod.BUILTIN) {
                if ((flags & FLAG_IGNORE_BUILTIN) != 0) {
                    finish(event(mod, role, Reason.BUILTIN, false));
                    return 0;
                }
                fatal(event(mod, role, Reason.BUILTIN, true));
                return -ENOENT;
            }
        }

        // 1. post-softdeps, last to first
        doModlist(post, false, "softdep-post");

        // 2. the holders
        if ((flags & FLAG_REMOVE_HOLDERS) != 0) {
            List<Libkmod.Module> holders = lib.holders(mod.lib());
            List<Mod> hs = new ArrayList<>();
            if (holders != null) {
                holders.forEach(h -> hs.add(newFromName(h.name())));
            }
            int err = doModlist(hs, true, "holder");
            if (err < 0) {
                return err;
            }
        }

        // 3. the module itself, after a refcount check
        if (cmd == null && !ignoreLoaded && options.waitTimeout().isZero()) {
            int usage = lib.refcnt(mod.lib());
            if (usage > 0) {
                fatal(event(mod, role, Reason.IN_USE, true).withRefcount(usage));
                return -EBUSY;
            }
        }
        int err;
        if (cmd == null) {
            if (removed.contains(mod.name)) {
                // no second delete_module for a module this call removed (kmod 30 tried again)
                finish(event(mod, role, Reason.ALREADY_REMOVED, false));
                err = 0;
            } else if (options.withHolders() && lib.refcnt(mod.lib()) == -ENOENT) {
                // with --remove-holders, as kmod master (327c587): no refcnt file, taken as already gone
                finish(event(mod, role, Reason.NOT_LOADED, false).withRefcount(-ENOENT));
                err = 0;
            } else {
                err = removeModule(mod, role);
            }
        } else {
            err = commandDo(mod, cmd, role);
        }
        if (err < 0) {
            return err;
        }

        // 4. the dependencies that became unused (kmod4j: recursively)
        if (cmd == null) {
            cleanup(mod);
        }

        // 5. pre-softdeps, last to first
        doModlist(pre, false, "softdep-pre");
        return err;
    }

    /**
     * Step 4: every dependency (load order) whose refcount is 0 is removed; kmod4j then does the same with that
     * dependency's own dependencies (kmod 30 stops after one level). A dry run removes nothing and so goes no
     * further than kmod 30 does.
     *
     * <p>Done as one depth-first walk, not a rescan of every removed dependency's whole line: removing {@code d}
     * frees only modules {@code d} itself used, which {@code /proc/modules} (read once) names, so only those are
     * looked at again, in load order. Each module's line is a transitive closure, so rescanning made a
     * 2,001-module chain cost some two million refcount reads.
     */
    private void cleanup(Mod mod) {
        List<Mod> deps = dependencies(mod);
        if (deps.isEmpty()) {
            return;
        }
        Map<String, Integer> position = new HashMap<>();
        for (int i = 0; i < deps.size(); i++) {
            position.putIfAbsent(deps.get(i).name, i);
        }
        Map<String, Set<String>> uses = usesOfLoadedModules();
        Deque<Iterator<Mod>> walk = new ArrayDeque<>();
        walk.push(deps.iterator());
        while (!walk.isEmpty()) {
            Iterator<Mod> next = walk.peek();
            if (!next.hasNext()) {
                walk.pop();
                continue;
            }
            Mod dep = next.next();
            if (lib.refcnt(dep.lib()) != 0 || removed.contains(dep.name)) {
                continue; // refcnt read first, as kmod does (its debug log shows the read)
            }
            if (removeModule(dep, "dependency") == 0 && !dryRun) {
                walk.push(freedBy(dep, uses, position).iterator());
            }
        }
    }

    /**
     * The modules the removal of {@code dep} may have freed, in load order: its dependencies that it used. Without
     * a readable {@code /proc/modules}, all of its dependencies.
     */
    private List<Mod> freedBy(Mod dep, Map<String, Set<String>> uses, Map<String, Integer> position) {
        if (uses == null) {
            return dependencies(dep);
        }
        Set<String> used = uses.getOrDefault(dep.name, Set.of());
        if (position.keySet().containsAll(used)) {
            // depmod orders every line by one global order, so the first line's order is theirs too
            List<Mod> freed = new ArrayList<>();
            for (String name : used) {
                freed.add(newFromName(name));
            }
            freed.sort(Comparator.comparingInt(m -> position.get(m.name)));
            return freed;
        }
        List<Mod> freed = new ArrayList<>(dependencies(dep)); // a line that is not a closure: its own order
        freed.removeIf(m -> !used.contains(m.name));
        return freed;
    }

    /** {@return each loaded module's dependencies that it uses (the users column of /proc/modules, inverted), or null} */
    private Map<String, Set<String>> usesOfLoadedModules() {
        List<LoadedModule> loaded;
        try {
            loaded = kmod.kernel().loadedModules();
        } catch (ViewException | RuntimeException e) {
            return null;
        }
        Map<String, Set<String>> uses = new HashMap<>();
        for (LoadedModule m : loaded) {
            for (ModuleName user : m.holders()) {
                uses.computeIfAbsent(user.value(), k -> new HashSet<>()).add(m.name().value());
            }
        }
        return uses;
    }

    /** {@code rmmod_do_remove_module()}. */
    private int removeModule(Mod mod, String role) {
        listener.starting(argument, mod.name, null);
        if (dryRun) {
            finish(event(mod, role, Reason.WOULD_REMOVE, false));
            return 0;
        }
        boolean waiting = !options.waitTimeout().isZero();
        DeleteCall.Outcome out = delete.delete(mod.name, !waiting);
        int err = out.error();
        if (err < 0 && waiting) {
            // kmod4j (as kmod master): a timeout is an error too; kmod 30 reported success
            listener.report(Severity.ERROR, "rmmod_do_remove_module",
                    "could not remove '" + mod.name + "': " + out.text() + "\n");
        }
        // kmod 30 turns EEXIST into success here; the kernel never answers EEXIST to delete_module
        Reason reason = err == 0 ? Reason.REMOVED : delete.classify(mod.name, -err);
        Step step = event(mod, role, reason, err != 0);
        Step.Syscall call = out.syscall() != null ? out.syscall()
                : new Step.Syscall(mod.name, (options.force() ? Libkmod.REMOVE_FORCE : 0) | Libkmod.REMOVE_NOWAIT,
                -err, err == 0 ? null : Errno.ofNumber(-err), out.text());
        step = step.withSyscall(call);
        if (waiting) {
            step = step.withWait(options.waitTimeout());
        }
        finish(step);
        if (err == 0) {
            removed.add(mod.name);
        }
        return err;
    }

    /** {@code command_do()}: the remove command instead of {@code delete_module}. */
    private int commandDo(Mod mod, String command, String role) {
        String cmd = command;
        while (cmd.contains("$CMDLINE_OPTS")) {
            cmd = cmd.replace("$CMDLINE_OPTS", "");
        }
        listener.starting(argument, mod.name, cmd);
        if (dryRun || options.commands() == RemoveOptions.Commands.REPORT) {
            // Not run: reported as what would run, and the call goes on as if it had succeeded.
            finish(event(mod, role, Reason.COMMAND_NOT_RUN, false).withCommand(cmd, null));
            return 0;
        }
        int status = options.commandRunner().run(cmd, mod.name);
        if (status != 0) {
            fatal(event(mod, role, Reason.COMMAND_FAILED, true).withCommand(cmd, status));
            return status < 0 ? status : -status;
        }
        finish(event(mod, role, Reason.COMMAND_RUN, false).withCommand(cmd, status));
        return 0;
    }

}
