package org.kmod4j.modules;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.kmod4j.api.Errno;
import org.kmod4j.api.RemoveFlag;

/**
 * One step of a removal, in the order it happened: the module it is about, why it was touched ({@link #role()}), the
 * {@code delete_module} call or modprobe.d command made for it, if any, and how it ended ({@link #reason()}).
 *
 * @param argument      the argument of {@link Kmod#remove} this step serves
 * @param module        the module's name, normalized ({@code snd-pcm} is {@code snd_pcm}); null when none could be made
 *                      from the argument
 * @param role          why the module was touched
 * @param reason        how the step ended
 * @param failed        whether the step is a failure of the call (not loaded is one for rmmod, not for modprobe)
 * @param syscall       the {@code delete_module} call, when one was made
 * @param holders       for {@link Reason#IN_USE_BY_HOLDERS}: the holders, in {@code /sys/module/NAME/holders/} order
 * @param refcount      the reference count read, when the step read one (negative: the errno of a failed read)
 * @param command       for the command reasons: the modprobe.d {@code remove} command
 * @param commandStatus for {@link Reason#COMMAND_RUN} and {@link Reason#COMMAND_FAILED}: its exit status
 * @param waitTimeout   when the removal waited for the last reference: how long it was allowed to wait
 * @param errorText     a message for {@link Reason#BROKEN_INPUT} and {@link Reason#BAD_ARGUMENT}, else null
 */
public record Step(String argument, String module, Role role, Reason reason, boolean failed, Syscall syscall,
                   List<String> holders, Integer refcount, String command, Integer commandStatus, Duration waitTimeout,
                   String errorText) {

    /** Why a module was touched. */
    public enum Role {
        /** It is (or an alias of it is) an argument of the call. */
        ARGUMENT("argument"),
        /** It holds a module being removed ({@link RemoveOptions.Builder#withHolders()}). */
        HOLDER("holder"),
        /** A module being removed depended on it, and it became unused. */
        DEPENDENCY("dependency"),
        /** A soft dependency ({@code softdep X pre: Y}), removed after the module. */
        SOFTDEP_PRE("softdep-pre"),
        /** A soft dependency ({@code softdep X post: Y}), removed before the module. */
        SOFTDEP_POST("softdep-post");

        private final String id;

        Role(String id) {
            this.id = id;
        }

        /** {@return A stable lower-case name for machine-readable output} */
        public String id() {
            return id;
        }
    }

    /**
     * A {@code delete_module(name, flags)} call and its result.
     *
     * @param name   the name passed
     * @param flags  the flags word ({@code O_NONBLOCK} = 2048, {@code O_TRUNC} = 512)
     * @param errno  0 for success, else the errno number
     * @param error  the errno, or null for success or a number {@link Errno} has no name for
     * @param text   glibc's {@code strerror} text of the errno, null for success
     */
    public record Syscall(String name, int flags, int errno, Errno error, String text) {
        /**
         * {@return the flags by name ({@code O_NONBLOCK}, {@code O_TRUNC}: {@link RemoveFlag}), then any other bits in
         * hex; empty for 0}
         */
        public List<String> flagNames() {
            List<String> out = new java.util.ArrayList<>();
            int others = flags;
            for (RemoveFlag f : List.of(RemoveFlag.NONBLOCK, RemoveFlag.FORCE)) {
                if (f.isSetIn(flags)) {
                    out.add(f.constant());
                    others &= ~f.bit();
                }
            }
            if (others != 0) {
                out.add("0x" + Integer.toHexString(others));
            }
            return List.copyOf(out);
        }

        /** {@return whether the call returned 0} */
        public boolean ok() {
            return errno == 0;
        }

        /** {@return the errno's C name ({@code "EBUSY"}), its number when it has none, or {@code "OK"}} */
        public String result() {
            if (errno == 0) {
                return "OK";
            }
            return error != null ? error.name() : Integer.toString(errno);
        }
    }

    /** Checks the components and copies the list. */
    public Step {
        Objects.requireNonNull(role);
        Objects.requireNonNull(reason);
        holders = holders == null ? List.of() : List.copyOf(holders);
    }

    /** {@return the {@code delete_module} call, when one was made} */
    public Optional<Syscall> call() {
        return Optional.ofNullable(syscall);
    }

    /** {@return the reference count read, when the step read one} */
    public OptionalInt refcountRead() {
        return refcount == null ? OptionalInt.empty() : OptionalInt.of(refcount);
    }

    /** A step that touched no syscall: a check that ended it, or a skipped module. */
    static Step of(String argument, String module, Role role, Reason reason, boolean failed) {
        return new Step(argument, module, role, reason, failed, null, null, null, null, null, null, null);
    }

    Step withRefcount(int count) {
        return new Step(argument, module, role, reason, failed, syscall, holders, count, command, commandStatus, waitTimeout,
                errorText);
    }

    Step withHolders(List<String> names) {
        return new Step(argument, module, role, reason, failed, syscall, names, refcount, command, commandStatus, waitTimeout,
                errorText);
    }

    Step withCommand(String cmd, Integer status) {
        return new Step(argument, module, role, reason, failed, syscall, holders, refcount, cmd, status, waitTimeout,
                errorText);
    }

    Step withWait(Duration timeout) {
        return new Step(argument, module, role, reason, failed, syscall, holders, refcount, command, commandStatus,
                timeout, errorText);
    }

    Step withErrorText(String text) {
        return new Step(argument, module, role, reason, failed, syscall, holders, refcount, command, commandStatus,
                waitTimeout, text);
    }

    Step withSyscall(Syscall call) {
        return new Step(argument, module, role, reason, failed, call, holders, refcount, command, commandStatus, waitTimeout,
                errorText);
    }
}
