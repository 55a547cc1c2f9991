package org.kmod4j.modules;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.kmod4j.api.Errno;
import org.kmod4j.host.FixtureException;
import org.kmod4j.kmod.Libkmod;
import org.kmod4j.libc.Strerror;

/**
 * rmmod's semantics (kmod 30 {@code tools/rmmod.c}): each argument is a module name, or the path of an existing
 * file whose basename names the module; unless forced, {@code check_module_inuse()} refuses a builtin module, one
 * that is not loaded, one with holders and one whose count is above zero before any {@code delete_module}.
 */
final class RmmodRemover {
    private final RemoveOptions options;
    private final RemovalListener listener;
    private final Libkmod lib;
    private final DeleteCall delete;
    private final List<Step> steps = new ArrayList<>();
    private final List<Removal.Argument> arguments = new ArrayList<>();
    /** The module the argument being removed stands for, once known. */
    private String current;

    RmmodRemover(Kmod kmod, RemoveOptions options) {
        this.options = options;
        this.listener = options.listener();
        this.lib = kmod.libkmod(listener);
        this.delete = new DeleteCall(kmod, options, listener);
    }

    Removal remove(List<String> operands) {
        for (int i = 0; i < operands.size(); i++) {
            String arg = operands.get(i);
            Step last;
            try {
                last = removeOne(arg);
            } catch (FixtureException e) {
                // a fixture kmod4j refuses to use: nothing of it was changed; the call stops here
                last = finish(Step.of(arg, current, Step.Role.ARGUMENT, Reason.UNSAFE_FIXTURE, true)
                        .withErrorText(e.getMessage()));
            }
            arguments.add(new Removal.Argument(arg, last.module() == null ? List.of() : List.of(last.module()),
                    last.failed() ? Removal.Status.FAILED : Removal.Status.DONE));
            if (last.reason() == Reason.BAD_ARGUMENT || last.reason() == Reason.UNSAFE_FIXTURE) {
                for (String skipped : operands.subList(i + 1, operands.size())) {
                    arguments.add(new Removal.Argument(skipped, List.of(), Removal.Status.NOT_PROCESSED));
                }
                break;
            }
        }
        return new Removal(arguments, steps, options.dryRun(), null, List.of());
    }

    private Step finish(Step step) {
        steps.add(step);
        listener.finished(step);
        return step;
    }

    /** One argument; its last step. */
    private Step removeOne(String arg) {
        current = null;
        Libkmod.Module mod;
        if (exists(arg)) {
            Libkmod.Result<Libkmod.Module> created = lib.newFromPath(arg);
            if (!created.isOk()) {
                // kmod 30 forgot this failure and exited 0 (fixed in kmod 34); the call stops here
                return finish(Step.of(arg, null, Step.Role.ARGUMENT, Reason.BAD_ARGUMENT, true)
                        .withErrorText(Strerror.text(-created.error())));
            }
            mod = created.value();
        } else {
            mod = lib.newFromName(arg);
        }
        current = mod.name();
        if (!options.force()) {
            Step refused = checkInUse(arg, mod);
            if (refused != null) {
                return finish(refused);
            }
        }
        if (options.dryRun()) {
            listener.starting(arg, mod.name(), null);
            return finish(Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.WOULD_REMOVE, false));
        }
        listener.starting(arg, mod.name(), null);
        DeleteCall.Outcome out = delete.delete(mod.name(), true);
        Reason reason = out.error() == 0 ? Reason.REMOVED : delete.classify(mod.name(), -out.error());
        Step step = Step.of(arg, mod.name(), Step.Role.ARGUMENT, reason, out.error() != 0)
                .withSyscall(out.syscall());
        if (!options.waitTimeout().isZero()) {
            step = step.withWait(options.waitTimeout());
        }
        return finish(step);
    }

    /** {@code check_module_inuse()}: the step that refuses the module, or null when it may be removed. */
    private Step checkInUse(String arg, Libkmod.Module mod) {
        int state = lib.initstate(mod);
        if (state == Libkmod.BUILTIN) {
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.BUILTIN, true);
        } else if (state < 0) {
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.NOT_LOADED, true);
        }
        List<Libkmod.Module> holders = lib.holders(mod);
        if (holders != null && !holders.isEmpty()) {
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.IN_USE_BY_HOLDERS, true)
                    .withHolders(holders.stream().map(Libkmod.Module::name).toList());
        }
        int refcnt = lib.refcnt(mod);
        if (refcnt > 0) {
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.IN_USE, true).withRefcount(refcnt);
        } else if (refcnt == -Errno.ENOENT.number()) {
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, Reason.UNLOADING_NOT_SUPPORTED, true);
        } else if (refcnt < 0) {
            Reason r = state == Libkmod.GOING ? Reason.BEING_UNLOADED : Reason.REFCOUNT_UNREADABLE;
            return Step.of(arg, mod.name(), Step.Role.ARGUMENT, r, true).withRefcount(refcnt);
        }
        return null;
    }

    /** {@code stat(arg) == 0}, relative paths from the working directory. */
    private boolean exists(String arg) {
        if (arg.isEmpty()) {
            return false;
        }
        try {
            Path p = options.workingDirectory().resolve(arg);
            // Java drops trailing slashes; stat("file/") fails with ENOTDIR, so a trailing slash needs a directory.
            return arg.endsWith("/") ? Files.isDirectory(p) : Files.exists(p);
        } catch (InvalidPathException e) {
            return false;
        }
    }
}
