package org.kmod4j.modules;

/**
 * Why a step of a removal ended as it did. Each value names one rule of the kernel or of kmod's tools; the javadoc of
 * each says where it comes from and what a caller can do about it.
 */
public enum Reason {
    /** {@code delete_module} returned 0: the module is gone. */
    REMOVED("removed"),
    /** A dry run: every check passed, and {@code delete_module} would have been called. Nothing was changed. */
    WOULD_REMOVE("would-remove"),
    /** Already removed earlier in the same call (as another argument's dependency, say): not removed twice. */
    ALREADY_REMOVED("already-removed"),
    /** The module is not loaded: no {@code /sys/module/NAME} (or the kernel answered ENOENT). */
    NOT_LOADED("not-loaded"),
    /** modprobe semantics: the name is no module, alias or configuration entry the module directory knows. */
    NOT_FOUND("not-found"),
    /** modprobe semantics: the name is not a valid alias (an unbalanced {@code [} or {@code ]}). */
    INVALID_NAME("invalid-name"),
    /** rmmod semantics: the argument is an existing path that names no module (a directory, say {@code dir/}). */
    BAD_ARGUMENT("bad-argument"),
    /** The module is built into the kernel ({@code modules.builtin}): it cannot be removed. */
    BUILTIN("builtin"),
    /** Other modules use it: {@code /sys/module/NAME/holders/} names them ({@link Step#holders()}). */
    IN_USE_BY_HOLDERS("in-use-by"),
    /**
     * Its reference count is above zero ({@link Step#refcount()}): something holds it open, or (answered by the
     * kernel as EWOULDBLOCK) it was still in use when {@code delete_module} tried to stop it.
     */
    IN_USE("in-use"),
    /** A wait for the last reference ({@link RemoveOptions.Builder#waitUpTo}) ran out of time. */
    TIMED_OUT("timed-out"),
    /** The kernel cannot unload modules at all: no {@code refcnt} file ({@code CONFIG_MODULE_UNLOAD=n}) or ENOSYS. */
    UNLOADING_NOT_SUPPORTED("unloading-not-supported"),
    /** The module is GOING: another caller is unloading it (the kernel answers EBUSY). */
    BEING_UNLOADED("being-unloaded"),
    /** The module is still COMING (its init function runs): the kernel answers EBUSY until it is LIVE. */
    NOT_LIVE("not-live"),
    /**
     * The module has an init function but no exit function ({@code [permanent]} in {@code /proc/modules}): only a
     * forced removal could take it out, and the kernel answers EBUSY to anything else.
     */
    PERMANENT("permanent"),
    /** Its reference count could not be read, or is negative without the module being GOING. */
    REFCOUNT_UNREADABLE("refcnt-unreadable"),
    /** EPERM: the caller lacks {@code CAP_SYS_MODULE}. */
    NO_PRIVILEGE("no-privilege"),
    /** EPERM with {@code /proc/sys/kernel/modules_disabled} set to 1: no module can be removed until reboot. */
    MODULES_DISABLED("modules-disabled"),
    /** {@code delete_module} failed with an errno none of the other reasons covers ({@link Step#syscall()}). */
    KERNEL_ERROR("kernel-error"),
    /** modprobe semantics: a modprobe.d {@code remove} command ran and exited 0 ({@link Step#command()}). */
    COMMAND_RUN("command"),
    /** A modprobe.d {@code remove} command ran and failed ({@link Step#commandStatus()}). */
    COMMAND_FAILED("command-failed"),
    /**
     * A modprobe.d {@code remove} command was not run: a dry run, or {@link RemoveOptions.Commands#REPORT} (the
     * default off the real host). The removal goes on as if it had succeeded.
     */
    COMMAND_NOT_RUN("would-run-command"),
    /** modprobe semantics: the module is already being processed higher up (a soft-dependency cycle): not again. */
    CYCLE("cycle"),
    /**
     * The input could not be used: a fixture tree that is unsafe to use (a link out of its root, an endless file), a
     * corrupt index. {@link Step#errorText()} has the message; nothing was changed because of it, and the call stops.
     */
    BROKEN_INPUT("broken-input"),
    /**
     * A fixture tree ({@link Kmod#fixture}) that kmod4j refuses to use: a symbolic link out of its root, a name
     * with {@code ..}, a file too large or not regular. {@link Step#errorText()} has the message; nothing of the
     * fixture was changed because of it, and the call stops.
     */
    UNSAFE_FIXTURE("broken-fixture");

    private final String id;

    Reason(String id) {
        this.id = id;
    }

    /** {@return A stable lower-case name for machine-readable output ({@code "in-use-by"}, {@code "not-loaded"}, ...)} */
    public String id() {
        return id;
    }
}
