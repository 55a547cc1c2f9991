package org.kmod4j.sim;

import java.util.Objects;
import org.kmod4j.api.Taint;

/**
 * The rules of one kernel generation, chosen by release string, the way Jimfs's {@code Configuration.unix()} picks a
 * file-system flavour. The simulator asks the profile; no code compares version numbers but {@link #forRelease}.
 * The rules and their sources are kernel.md §2 and §7; docs/kernel-generations.md lists them with their evidence.
 *
 * @param release              the release the profile stands for, as {@code uname -r} prints it
 * @param generation           the generation, for display and for the calls only 2.4 has
 * @param nameCopy             how delete_module copies the name from user space
 * @param stopRule             how delete_module stops a module that is in use
 * @param busyUnlessLive       whether every state but LIVE gives EBUSY (false in 2.6.0: only GOING does)
 * @param forcedUnloadTaint    the taint a forced unload adds: F before 2.6.16, R after
 * @param hasModulesDisabled   whether {@code /proc/sys/kernel/modules_disabled} exists (2.6.31 on)
 * @param warnsWithoutNonblock whether a call without O_NONBLOCK logs "please upgrade" (3.13 and 3.14)
 * @param procModulesFormat    the layout of {@code /proc/modules}
 * @param duplicateLoad        what a load does while a module of the same name is on the list
 * @param idempotentFileLoad   whether a finit_module of a file whose load is still under way waits for that load and
 *                             returns its result (6.5 on, {@code idempotent_init_module()}), before any duplicate check
 */
public record KernelProfile(String release, Generation generation, NameCopy nameCopy, StopRule stopRule,
                            boolean busyUnlessLive, Taint forcedUnloadTaint, boolean hasModulesDisabled,
                            boolean warnsWithoutNonblock, ProcModulesFormat procModulesFormat,
                            DuplicateLoad duplicateLoad, boolean idempotentFileLoad) {

    /** A load of a name already on the module list (kernel.md §4 notes; docs/kernel-generations.md). */
    public enum DuplicateLoad {
        /** Before 3.8 (no UNFORMED state): any module of that name gives EEXIST. */
        EEXIST_ALWAYS,
        /** 3.8 to 6.0: wait while it is not LIVE (a GOING one until it is gone, then load); LIVE gives EEXIST. */
        WAIT_UNLESS_LIVE,
        /**
         * 6.1 (observed on 6.1.192) on, {@code module_patient_check_exists()}: wait while it is COMING or UNFORMED;
         * then LIVE gives EEXIST and anything else (GOING, or gone after a failed init) EBUSY.
         */
        PATIENT
    }

    /** The kernel generations the manual page's editions describe. */
    public enum Generation {
        /** 2.4: one-argument delete_module, autoclean, create_module and query_module. */
        LINUX_2_4,
        /** 2.5.48 to 3.12: without O_NONBLOCK the caller sleeps until the module is unused. */
        LINUX_2_6,
        /** 3.13 and 3.14: never waits; warns when O_NONBLOCK is missing. */
        LINUX_3_13,
        /** 3.15 on: O_NONBLOCK is not read at all. */
        LINUX_3_15
    }

    /** The name copy of delete_module (kernel.md §1.2, §2.1). */
    public enum NameCopy {
        /** 2.6 up to 6.16 without the backport: copy at most 55 bytes and cut there, so long names are truncated. */
        TRUNCATE,
        /** 6.17, and stables with commit a6323bd4e611: an empty name, or no NUL in the first 56 bytes, gives ENOENT. */
        REJECT_UNTERMINATED,
        /** 2.4's get_mod_name(): a page; EINVAL for an empty name, ENAMETOOLONG for a page or more. */
        PAGE
    }

    /** How delete_module stops a module that may still be in use (kernel.md §2.3–§2.5, §3). */
    public enum StopRule {
        /**
         * 3.19 on: drop the base reference; if others remain, restore it and fail with EWOULDBLOCK unless forced.
         * Once stopped, the count reads -1.
         */
        BASE_REFERENCE,
        /** 3.13 to 3.18 (stop_machine): a nonzero count fails with EWOULDBLOCK unless forced. */
        REFCOUNT_CHECK,
        /**
         * 2.6.0 to 3.12: with O_NONBLOCK as {@link #REFCOUNT_CHECK}; without it, mark the module GOING at once and
         * sleep uninterruptibly until the count reaches zero (unless the module was forced as permanent).
         */
        WAIT_UNLESS_NONBLOCK,
        /** 2.4: a module in use gives EBUSY; there is no force. */
        USE_COUNT
    }

    /** The layouts of {@code /proc/modules} (kernel.md §2.1, §2.2, §5.1). */
    public enum ProcModulesFormat {
        /** 2.4: name padded to 20 columns, {@code %8lu} size, {@code %4ld} use count, flags, {@code [users]}. */
        LINUX_2_4,
        /** 2.6.0: the modern columns without the taint field. */
        LINUX_2_6_0,
        /** 2.6.x on: name, size, refcount, users, state, address, taints. */
        MODERN
    }

    public KernelProfile {
        Objects.requireNonNull(release);
        Objects.requireNonNull(generation);
        Objects.requireNonNull(nameCopy);
        Objects.requireNonNull(stopRule);
        Objects.requireNonNull(forcedUnloadTaint);
        Objects.requireNonNull(procModulesFormat);
        Objects.requireNonNull(duplicateLoad);
    }

    /**
     * Debian 12's default kernel ({@code linux-image-amd64}), 6.1.192: it carries the name-copy fix. The other
     * kernel Debian 12 ships, 6.12.117, is {@code forRelease("6.12.117")}; the conformance suite boots both.
     */
    public static KernelProfile debian12() {
        return forRelease("6.1.192");
    }

    /**
     * The profile for a release string such as {@code 2.4.27}, {@code 2.6.32}, {@code 3.13}, {@code 6.1.192} or
     * {@code 5.10.0-23-amd64}.
     *
     * @throws IllegalArgumentException for an unparsable release, or one older than 2.4
     */
    public static KernelProfile forRelease(String release) {
        KernelVersion v = KernelVersion.parse(release);
        if (v.before(2, 4, 0)) {
            throw new IllegalArgumentException("no profile for Linux " + release + ": kmod4j models 2.4 and later");
        }
        if (v.before(2, 5, 48)) {
            return new KernelProfile(release, Generation.LINUX_2_4, NameCopy.PAGE, StopRule.USE_COUNT, true,
                    Taint.FORCED_MODULE, false, false, ProcModulesFormat.LINUX_2_4, DuplicateLoad.EEXIST_ALWAYS, false);
        }
        // 2.6.0 refused only GOING modules and had no taint field (verified in 2.6.0); when "!= LIVE" replaced the
        // GOING test is unverified, so the profile keeps 2.6.0's rule for 2.6.0 alone.
        boolean is260 = v.before(2, 6, 1);
        Taint forceTaint = v.before(2, 6, 16) ? Taint.FORCED_MODULE : Taint.FORCED_RMMOD;
        boolean modulesDisabled = !v.before(2, 6, 31);
        ProcModulesFormat format = is260 ? ProcModulesFormat.LINUX_2_6_0 : ProcModulesFormat.MODERN;
        DuplicateLoad duplicate = v.before(3, 8, 0) ? DuplicateLoad.EEXIST_ALWAYS
                : v.before(6, 1, 0) ? DuplicateLoad.WAIT_UNLESS_LIVE : DuplicateLoad.PATIENT;
        if (v.before(3, 13, 0)) {
            return new KernelProfile(release, Generation.LINUX_2_6, NameCopy.TRUNCATE, StopRule.WAIT_UNLESS_NONBLOCK,
                    !is260, forceTaint, modulesDisabled, false, format, duplicate, false);
        }
        if (v.before(3, 15, 0)) {
            return new KernelProfile(release, Generation.LINUX_3_13, NameCopy.TRUNCATE, StopRule.REFCOUNT_CHECK,
                    true, forceTaint, true, true, format, duplicate, false);
        }
        // The atomic refcount with a base reference (commit 2f35c41f58a97) is taken to be 3.19's (3.19 or 4.0).
        StopRule stop = v.before(3, 19, 0) ? StopRule.REFCOUNT_CHECK : StopRule.BASE_REFERENCE;
        NameCopy copy = v.hasNameCopyFix() ? NameCopy.REJECT_UNTERMINATED : NameCopy.TRUNCATE;
        // Commit 9b9879fc0327 ("modules: catch concurrent module loads, treat them as idempotent"), merged for 6.5:
        // finit_module() of the same file (inode) while its load is still under way joins that load. Not in
        // 6.1.192 (a second load of a COMING module gives EEXIST there); 6.12.117 returns the first load's 0.
        boolean idempotent = !v.before(6, 5, 0);
        return new KernelProfile(release, Generation.LINUX_3_15, copy, stop, true, forceTaint, true, false, format,
                duplicate, idempotent);
    }

    /**
     * This profile with the other stable-release variant of the name copy.
     *
     * @throws IllegalArgumentException when the variant and the generation do not go together (PAGE is 2.4's)
     */
    public KernelProfile withNameCopy(NameCopy variant) {
        if ((variant == NameCopy.PAGE) != (generation == Generation.LINUX_2_4)) {
            throw new IllegalArgumentException(variant + " is not a name copy of " + generation);
        }
        return new KernelProfile(release, generation, variant, stopRule, busyUnlessLive, forcedUnloadTaint,
                hasModulesDisabled, warnsWithoutNonblock, procModulesFormat, duplicateLoad, idempotentFileLoad);
    }

    /**
     * The series, {@code MAJOR.MINOR} ({@code 6.12} for {@code 6.12.117+deb12-amd64}): what a scenario's
     * {@code size@6.12=} attributes are matched against.
     */
    public String series() {
        KernelVersion v = KernelVersion.parse(release);
        return v.major() + "." + v.minor();
    }

    /** Whether O_NONBLOCK changes anything (2.6.0 to 3.14). */
    public boolean readsNonblock() {
        return stopRule == StopRule.WAIT_UNLESS_NONBLOCK || warnsWithoutNonblock;
    }
}
