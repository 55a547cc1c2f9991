package org.kmod4j.sim;

import java.util.Objects;
import org.kmod4j.api.Taint;

/**
 * The rules of one kernel release, built the way Jimfs builds a {@code Configuration}: the generations are a chain of
 * profiles, each made from its predecessor with {@link #toBuilder()} and stating only what its kernel changed
 * ({@link #linux2_4()}, then {@link #linux2_6_0()} = {@code linux2_4().toBuilder()...}, up to {@link #linux6_17()}).
 * {@link #forRelease} picks the newest link at or before a release; a variant is
 * {@code forRelease("6.1.192").toBuilder().nameCopy(NameCopy.TRUNCATE).build()}.
 *
 * <p>The simulator asks the profile what a rule is ({@link #deleteModuleTakesFlags()}, {@link #stopRule()},
 * {@link #hasSysfs()}, ...); no code compares version numbers but {@link #forRelease}, and none branches on the
 * {@link #generation()}, which is for display. docs/kernel-generations.md lists the rules with their evidence.
 */
public final class KernelProfile {

    /** A load of a name already on the module list (docs/kernel-generations.md, "The rules by generation"). */
    public enum DuplicateLoad {
        /** Before 3.8 (no UNFORMED state): any module of that name gives EEXIST. */
        EEXIST_ALWAYS,
        /**
         * 3.8 to 6.0, {@code add_unformed_module()}: wait while it is not LIVE (a GOING one until it is gone, then
         * load); LIVE gives EEXIST.
         */
        WAIT_UNLESS_LIVE,
        /**
         * 6.1 (observed on 6.1.192) on, {@code module_patient_check_exists()}: wait while it is COMING or UNFORMED;
         * then LIVE gives EEXIST and anything else (GOING, or gone after a failed init) EBUSY.
         */
        PATIENT
    }

    /** The kernel generations the manual page's editions describe; for display only. */
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

    /**
     * The name copy of delete_module: {@code strncpy_from_user()} into a {@code MODULE_NAME_LEN} buffer in
     * {@code delete_module()} (kernel/module.c, kernel/module/main.c from 5.19); 2.4's {@code get_mod_name()}.
     */
    public enum NameCopy {
        /** 2.6 up to 6.16 without the backport: copy at most 55 bytes and cut there, so long names are truncated. */
        TRUNCATE,
        /** 6.17, and stables with commit a6323bd4e611: an empty name, or no NUL in the first 56 bytes, gives ENOENT. */
        REJECT_UNTERMINATED,
        /** 2.4's get_mod_name(): a page; EINVAL for an empty name, ENAMETOOLONG for a page or more. */
        PAGE
    }

    /**
     * How delete_module stops a module that may still be in use: {@code try_stop_module()} in kernel/module.c
     * (docs/kernel-generations.md, "The rules by generation").
     */
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

    /** The layouts of {@code /proc/modules}: 2.4's {@code get_module_list()}, then {@code m_show()}. */
    public enum ProcModulesFormat {
        /** 2.4: name padded to 20 columns, {@code %8lu} size, {@code %4ld} use count, flags, {@code [users]}. */
        LINUX_2_4,
        /** 2.6.0: the modern columns without the taint field. */
        LINUX_2_6_0,
        /** 2.6.x on: name, size, refcount, users, state, address, taints. */
        MODERN
    }

    // ---- the chain of generations: each link states only what its kernel changed ------------------------------

    private static final KernelProfile LINUX_2_4 = new Builder()
            .release("2.4.0")
            .generation(Generation.LINUX_2_4)
            .deleteModuleTakesFlags(false)
            .nameCopy(NameCopy.PAGE)
            .stopRule(StopRule.USE_COUNT)
            .busyUnlessLive(true)
            .forcedUnloadTaint(Taint.FORCED_MODULE)
            .modulesDisabledSysctl(false)
            .warnsWithoutNonblock(false)
            .procModulesFormat(ProcModulesFormat.LINUX_2_4)
            .duplicateLoad(DuplicateLoad.EEXIST_ALWAYS)
            .idempotentFileLoad(false)
            .createModuleCall(true)
            .queryModuleCall(true)
            .sysfs(false)
            .build();

    // 2.5.48's module loader (first released in 2.6.0): sys_delete_module(name_user, flags) in kernel/module.c takes
    // flags, copies at most MODULE_NAME_LEN - 1 bytes with strncpy_from_user(), and try_stop_module() waits without
    // O_NONBLOCK; create_module and query_module are gone (ENOSYS). 2.6.0 refused only GOING modules and its
    // m_show() printed no taint field (both verified in 2.6.0).
    private static final KernelProfile LINUX_2_6_0 = LINUX_2_4.toBuilder()
            .release("2.6.0")
            .generation(Generation.LINUX_2_6)
            .deleteModuleTakesFlags(true)
            .nameCopy(NameCopy.TRUNCATE)
            .stopRule(StopRule.WAIT_UNLESS_NONBLOCK)
            .busyUnlessLive(false)
            .procModulesFormat(ProcModulesFormat.LINUX_2_6_0)
            .createModuleCall(false)
            .queryModuleCall(false)
            .sysfs(true)
            .build();

    // When delete_module()'s "state != MODULE_STATE_LIVE" replaced 2.6.0's GOING test, and m_show() gained the
    // taint field, is unverified: 2.6.0's rules are kept for 2.6.0 alone.
    private static final KernelProfile LINUX_2_6_1 = LINUX_2_6_0.toBuilder()
            .release("2.6.1")
            .busyUnlessLive(true)
            .procModulesFormat(ProcModulesFormat.MODERN)
            .build();

    // 2.6.16: try_force_unload() adds TAINT_FORCED_RMMOD ('R') instead of TAINT_FORCED_MODULE ('F').
    private static final KernelProfile LINUX_2_6_16 = LINUX_2_6_1.toBuilder()
            .release("2.6.16")
            .forcedUnloadTaint(Taint.FORCED_RMMOD)
            .build();

    // 2.6.31 (assumed): the modules_disabled entry of kernel/sysctl.c, a one-way latch.
    private static final KernelProfile LINUX_2_6_31 = LINUX_2_6_16.toBuilder()
            .release("2.6.31")
            .modulesDisabledSysctl(true)
            .build();

    // 3.8: MODULE_STATE_UNFORMED; add_unformed_module() waits for a same-name module that is not LIVE.
    private static final KernelProfile LINUX_3_8 = LINUX_2_6_31.toBuilder()
            .release("3.8.0")
            .duplicateLoad(DuplicateLoad.WAIT_UNLESS_LIVE)
            .build();

    // 3.13: delete_module() no longer waits (try_stop_module() under stop_machine checks the count) and logs
    // "waiting module removal not supported: please upgrade" when O_NONBLOCK is missing.
    private static final KernelProfile LINUX_3_13 = LINUX_3_8.toBuilder()
            .release("3.13.0")
            .generation(Generation.LINUX_3_13)
            .stopRule(StopRule.REFCOUNT_CHECK)
            .warnsWithoutNonblock(true)
            .build();

    // 3.15: delete_module() drops the warning and no longer reads O_NONBLOCK.
    private static final KernelProfile LINUX_3_15 = LINUX_3_13.toBuilder()
            .release("3.15.0")
            .generation(Generation.LINUX_3_15)
            .warnsWithoutNonblock(false)
            .build();

    // The atomic refcount with a base reference (commit 2f35c41f58a97, try_release_module_ref()) is taken to be
    // 3.19's (3.19 or 4.0).
    private static final KernelProfile LINUX_3_19 = LINUX_3_15.toBuilder()
            .release("3.19.0")
            .stopRule(StopRule.BASE_REFERENCE)
            .build();

    // 6.1 (observed on 6.1.192): module_patient_check_exists() in kernel/module/main.c.
    private static final KernelProfile LINUX_6_1 = LINUX_3_19.toBuilder()
            .release("6.1.0")
            .duplicateLoad(DuplicateLoad.PATIENT)
            .build();

    // Commit 9b9879fc0327 ("modules: catch concurrent module loads, treat them as idempotent"), merged for 6.5:
    // finit_module() of the same file (inode) while its load is still under way joins that load
    // (idempotent_init_module()). Not in 6.1.192 (a second load of a COMING module gives EEXIST there); 6.12.117
    // returns the first load's 0.
    private static final KernelProfile LINUX_6_5 = LINUX_6_1.toBuilder()
            .release("6.5.0")
            .idempotentFileLoad(true)
            .build();

    // Commit a6323bd4e611 ("module: Prevent silent truncation of module name in delete_module(2)"), mainline 6.17;
    // forRelease also gives it to the stable releases it was backported to (KernelVersion.hasNameCopyFix).
    private static final KernelProfile LINUX_6_17 = LINUX_6_5.toBuilder()
            .release("6.17.0")
            .nameCopy(NameCopy.REJECT_UNTERMINATED)
            .build();

    private final String release;
    private final Generation generation;
    private final boolean deleteModuleTakesFlags;
    private final NameCopy nameCopy;
    private final StopRule stopRule;
    private final boolean busyUnlessLive;
    private final Taint forcedUnloadTaint;
    private final boolean modulesDisabledSysctl;
    private final boolean warnsWithoutNonblock;
    private final ProcModulesFormat procModulesFormat;
    private final DuplicateLoad duplicateLoad;
    private final boolean idempotentFileLoad;
    private final boolean createModuleCall;
    private final boolean queryModuleCall;
    private final boolean sysfs;

    private KernelProfile(Builder b) {
        release = Objects.requireNonNull(b.release, "release");
        KernelVersion.parse(release);
        generation = Objects.requireNonNull(b.generation, "generation");
        deleteModuleTakesFlags = b.deleteModuleTakesFlags;
        nameCopy = Objects.requireNonNull(b.nameCopy, "nameCopy");
        stopRule = Objects.requireNonNull(b.stopRule, "stopRule");
        busyUnlessLive = b.busyUnlessLive;
        forcedUnloadTaint = Objects.requireNonNull(b.forcedUnloadTaint, "forcedUnloadTaint");
        modulesDisabledSysctl = b.modulesDisabledSysctl;
        warnsWithoutNonblock = b.warnsWithoutNonblock;
        procModulesFormat = Objects.requireNonNull(b.procModulesFormat, "procModulesFormat");
        duplicateLoad = Objects.requireNonNull(b.duplicateLoad, "duplicateLoad");
        idempotentFileLoad = b.idempotentFileLoad;
        createModuleCall = b.createModuleCall;
        queryModuleCall = b.queryModuleCall;
        sysfs = b.sysfs;
        // The one-argument call (Linux24Modules) has its own name copy and stop; the two-argument one
        // (ModuleUnloader) has neither.
        if ((nameCopy == NameCopy.PAGE) == deleteModuleTakesFlags) {
            throw new IllegalArgumentException("name copy " + nameCopy + " does not go with a delete_module that "
                    + (deleteModuleTakesFlags ? "takes flags" : "takes no flags") + " (PAGE is 2.4's get_mod_name())");
        }
        if ((stopRule == StopRule.USE_COUNT) == deleteModuleTakesFlags) {
            throw new IllegalArgumentException("stop rule " + stopRule + " does not go with a delete_module that "
                    + (deleteModuleTakesFlags ? "takes flags" : "takes no flags") + " (USE_COUNT is 2.4's)");
        }
    }

    // ---- the generations ------------------------------------------------------------------------------------

    /** {@return the profile of Linux 2.4 (2.4.0 to 2.5.47): the base of the chain} */
    public static KernelProfile linux2_4() {
        return LINUX_2_4;
    }

    /**
     * {@return the profile of 2.5.48's module loader, first released in 2.6.0: {@link #linux2_4()} with the
     * two-argument delete_module}
     */
    public static KernelProfile linux2_6_0() {
        return LINUX_2_6_0;
    }

    /**
     * {@return the profile of 2.6.1 (assumed): {@link #linux2_6_0()}, but all states but LIVE are busy;
     * {@code /proc/modules} has taints}
     */
    public static KernelProfile linux2_6_1() {
        return LINUX_2_6_1;
    }

    /** {@return the profile of 2.6.16: {@link #linux2_6_1()} with the forced-unload taint R} */
    public static KernelProfile linux2_6_16() {
        return LINUX_2_6_16;
    }

    /** {@return the profile of 2.6.31: {@link #linux2_6_16()} with {@code /proc/sys/kernel/modules_disabled}} */
    public static KernelProfile linux2_6_31() {
        return LINUX_2_6_31;
    }

    /**
     * {@return the profile of 3.8: {@link #linux2_6_31()} with a same-name load that waits unless the module is LIVE}
     */
    public static KernelProfile linux3_8() {
        return LINUX_3_8;
    }

    /**
     * {@return the profile of 3.13: {@link #linux3_8()}, but delete_module never waits and warns without O_NONBLOCK}
     */
    public static KernelProfile linux3_13() {
        return LINUX_3_13;
    }

    /** {@return the profile of 3.15: {@link #linux3_13()} without the warning} */
    public static KernelProfile linux3_15() {
        return LINUX_3_15;
    }

    /** {@return the profile of 3.19 (assumed): {@link #linux3_15()} with the base reference} */
    public static KernelProfile linux3_19() {
        return LINUX_3_19;
    }

    /** {@return the profile of 6.1: {@link #linux3_19()} with the patient duplicate check} */
    public static KernelProfile linux6_1() {
        return LINUX_6_1;
    }

    /** {@return the profile of 6.5: {@link #linux6_1()} with the idempotent file load} */
    public static KernelProfile linux6_5() {
        return LINUX_6_5;
    }

    /** {@return the profile of 6.17: {@link #linux6_5()} with the name copy that rejects unterminated names} */
    public static KernelProfile linux6_17() {
        return LINUX_6_17;
    }

    /**
     * Debian 12's default kernel ({@code linux-image-amd64}), 6.1.192: it carries the name-copy fix. The other
     * kernel Debian 12 ships, 6.12.117, is {@code forRelease("6.12.117")}; the conformance suite boots both.
     *
     * @return the profile of 6.1.192
     */
    public static KernelProfile debian12() {
        return forRelease("6.1.192");
    }

    /**
     * The profile for a release string such as {@code 2.4.27}, {@code 2.6.32}, {@code 3.13}, {@code 6.1.192} or
     * {@code 5.10.0-23-amd64}: the newest generation at or before it, with the name-copy fix if its stable series
     * had it backported by then.
     *
     * @param release the release, as {@code uname -r} prints it
     * @return the profile, with {@code release} as its release
     * @throws IllegalArgumentException for an unparsable release, or one older than 2.4
     */
    public static KernelProfile forRelease(String release) {
        KernelVersion v = KernelVersion.parse(release);
        if (v.before(2, 4, 0)) {
            throw new IllegalArgumentException("no profile for Linux " + release + ": kmod4j models 2.4 and later");
        }
        KernelProfile generation = v.before(2, 5, 48) ? LINUX_2_4
                : v.before(2, 6, 1) ? LINUX_2_6_0
                : v.before(2, 6, 16) ? LINUX_2_6_1
                : v.before(2, 6, 31) ? LINUX_2_6_16
                : v.before(3, 8, 0) ? LINUX_2_6_31
                : v.before(3, 13, 0) ? LINUX_3_8
                : v.before(3, 15, 0) ? LINUX_3_13
                : v.before(3, 19, 0) ? LINUX_3_15
                : v.before(6, 1, 0) ? LINUX_3_19
                : v.before(6, 5, 0) ? LINUX_6_1
                : v.before(6, 17, 0) ? LINUX_6_5
                : LINUX_6_17;
        Builder b = generation.toBuilder().release(release);
        if (v.hasNameCopyFix()) {
            b.nameCopy(NameCopy.REJECT_UNTERMINATED);
        }
        return b.build();
    }

    /** {@return a builder holding this profile's rules, to state what another release or variant changes} */
    public Builder toBuilder() {
        return new Builder(this);
    }

    // ---- the rules --------------------------------------------------------------------------------------------

    /** {@return the release the profile stands for, as {@code uname -r} prints it} */
    public String release() {
        return release;
    }

    /** {@return the generation, for display: nothing branches on it} */
    public Generation generation() {
        return generation;
    }

    /**
     * Whether {@code delete_module} takes flags, {@code sys_delete_module(name_user, flags)} (2.5.48 on); 2.4's
     * {@code sys_delete_module(name_user)} has one argument, and a NULL name runs the autoclean sweep.
     *
     * @return whether {@code delete_module} takes flags
     */
    public boolean deleteModuleTakesFlags() {
        return deleteModuleTakesFlags;
    }

    /** {@return how delete_module copies the name from user space} */
    public NameCopy nameCopy() {
        return nameCopy;
    }

    /** {@return how delete_module stops a module that is in use} */
    public StopRule stopRule() {
        return stopRule;
    }

    /** {@return whether every state but LIVE gives EBUSY (false in 2.6.0: only GOING does)} */
    public boolean busyUnlessLive() {
        return busyUnlessLive;
    }

    /** {@return the taint a forced unload adds: F before 2.6.16, R after} */
    public Taint forcedUnloadTaint() {
        return forcedUnloadTaint;
    }

    /** {@return whether {@code /proc/sys/kernel/modules_disabled} exists (2.6.31 on)} */
    public boolean hasModulesDisabledSysctl() {
        return modulesDisabledSysctl;
    }

    /** {@return whether a call without O_NONBLOCK logs "please upgrade" (3.13 and 3.14)} */
    public boolean warnsWithoutNonblock() {
        return warnsWithoutNonblock;
    }

    /** {@return the layout of {@code /proc/modules}} */
    public ProcModulesFormat procModulesFormat() {
        return procModulesFormat;
    }

    /** {@return what a load does while a module of the same name is on the list} */
    public DuplicateLoad duplicateLoad() {
        return duplicateLoad;
    }

    /**
     * Whether a finit_module of a file whose load is still under way waits for that load and returns its result
     * (6.5 on, {@code idempotent_init_module()}), before any duplicate check.
     *
     * @return whether loads of the same file are idempotent
     */
    public boolean idempotentFileLoad() {
        return idempotentFileLoad;
    }

    /** {@return whether {@code create_module(name, size)} exists (2.4; 2.5.48's loader dropped it: ENOSYS)} */
    public boolean hasCreateModuleCall() {
        return createModuleCall;
    }

    /** {@return whether {@code query_module(name, which, ...)} exists (2.4; 2.5.48's loader dropped it: ENOSYS)} */
    public boolean hasQueryModuleCall() {
        return queryModuleCall;
    }

    /** {@return whether modules show under {@code /sys/module} (not in 2.4, which had no sysfs)} */
    public boolean hasSysfs() {
        return sysfs;
    }

    /**
     * The series, {@code MAJOR.MINOR} ({@code 6.12} for {@code 6.12.117+deb12-amd64}): what a scenario's
     * {@code size@6.12=} attributes are matched against.
     *
     * @return the series
     */
    public String series() {
        KernelVersion v = KernelVersion.parse(release);
        return v.major() + "." + v.minor();
    }

    /** {@return whether O_NONBLOCK changes anything (2.6.0 to 3.14)} */
    public boolean readsNonblock() {
        return stopRule == StopRule.WAIT_UNLESS_NONBLOCK || warnsWithoutNonblock;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KernelProfile p
                && release.equals(p.release)
                && generation == p.generation
                && deleteModuleTakesFlags == p.deleteModuleTakesFlags
                && nameCopy == p.nameCopy
                && stopRule == p.stopRule
                && busyUnlessLive == p.busyUnlessLive
                && forcedUnloadTaint == p.forcedUnloadTaint
                && modulesDisabledSysctl == p.modulesDisabledSysctl
                && warnsWithoutNonblock == p.warnsWithoutNonblock
                && procModulesFormat == p.procModulesFormat
                && duplicateLoad == p.duplicateLoad
                && idempotentFileLoad == p.idempotentFileLoad
                && createModuleCall == p.createModuleCall
                && queryModuleCall == p.queryModuleCall
                && sysfs == p.sysfs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(release, generation, deleteModuleTakesFlags, nameCopy, stopRule, busyUnlessLive,
                forcedUnloadTaint, modulesDisabledSysctl, warnsWithoutNonblock, procModulesFormat, duplicateLoad,
                idempotentFileLoad, createModuleCall, queryModuleCall, sysfs);
    }

    @Override
    public String toString() {
        return "KernelProfile[release=" + release + ", generation=" + generation
                + ", deleteModuleTakesFlags=" + deleteModuleTakesFlags + ", nameCopy=" + nameCopy
                + ", stopRule=" + stopRule + ", busyUnlessLive=" + busyUnlessLive
                + ", forcedUnloadTaint=" + forcedUnloadTaint + ", modulesDisabledSysctl=" + modulesDisabledSysctl
                + ", warnsWithoutNonblock=" + warnsWithoutNonblock + ", procModulesFormat=" + procModulesFormat
                + ", duplicateLoad=" + duplicateLoad + ", idempotentFileLoad=" + idempotentFileLoad
                + ", createModuleCall=" + createModuleCall + ", queryModuleCall=" + queryModuleCall
                + ", sysfs=" + sysfs + "]";
    }

    /**
     * A profile under construction, from {@link #toBuilder()}: every profile starts from a generation's, so a
     * setter states a difference. {@link #build()} rejects a name copy or stop rule that does not go with the
     * {@code delete_module} call ({@link NameCopy#PAGE} and {@link StopRule#USE_COUNT} are the one-argument call's).
     */
    public static final class Builder {
        private String release;
        private Generation generation;
        private boolean deleteModuleTakesFlags;
        private NameCopy nameCopy;
        private StopRule stopRule;
        private boolean busyUnlessLive;
        private Taint forcedUnloadTaint;
        private boolean modulesDisabledSysctl;
        private boolean warnsWithoutNonblock;
        private ProcModulesFormat procModulesFormat;
        private DuplicateLoad duplicateLoad;
        private boolean idempotentFileLoad;
        private boolean createModuleCall;
        private boolean queryModuleCall;
        private boolean sysfs;

        private Builder() {
        }

        private Builder(KernelProfile p) {
            release = p.release;
            generation = p.generation;
            deleteModuleTakesFlags = p.deleteModuleTakesFlags;
            nameCopy = p.nameCopy;
            stopRule = p.stopRule;
            busyUnlessLive = p.busyUnlessLive;
            forcedUnloadTaint = p.forcedUnloadTaint;
            modulesDisabledSysctl = p.modulesDisabledSysctl;
            warnsWithoutNonblock = p.warnsWithoutNonblock;
            procModulesFormat = p.procModulesFormat;
            duplicateLoad = p.duplicateLoad;
            idempotentFileLoad = p.idempotentFileLoad;
            createModuleCall = p.createModuleCall;
            queryModuleCall = p.queryModuleCall;
            sysfs = p.sysfs;
        }

        /**
         * Sets {@link KernelProfile#release()}.
         *
         * @param release the new value
         * @return this builder
         */
        public Builder release(String release) {
            this.release = release;
            return this;
        }

        /**
         * Sets {@link KernelProfile#generation()}.
         *
         * @param generation the new value
         * @return this builder
         */
        public Builder generation(Generation generation) {
            this.generation = generation;
            return this;
        }

        /**
         * Sets {@link KernelProfile#deleteModuleTakesFlags()}.
         *
         * @param takesFlags the new value
         * @return this builder
         */
        public Builder deleteModuleTakesFlags(boolean takesFlags) {
            this.deleteModuleTakesFlags = takesFlags;
            return this;
        }

        /**
         * Sets {@link KernelProfile#nameCopy()}.
         *
         * @param nameCopy the new value
         * @return this builder
         */
        public Builder nameCopy(NameCopy nameCopy) {
            this.nameCopy = nameCopy;
            return this;
        }

        /**
         * Sets {@link KernelProfile#stopRule()}.
         *
         * @param stopRule the new value
         * @return this builder
         */
        public Builder stopRule(StopRule stopRule) {
            this.stopRule = stopRule;
            return this;
        }

        /**
         * Sets {@link KernelProfile#busyUnlessLive()}.
         *
         * @param busyUnlessLive the new value
         * @return this builder
         */
        public Builder busyUnlessLive(boolean busyUnlessLive) {
            this.busyUnlessLive = busyUnlessLive;
            return this;
        }

        /**
         * Sets {@link KernelProfile#forcedUnloadTaint()}.
         *
         * @param taint the new value
         * @return this builder
         */
        public Builder forcedUnloadTaint(Taint taint) {
            this.forcedUnloadTaint = taint;
            return this;
        }

        /**
         * Sets {@link KernelProfile#hasModulesDisabledSysctl()}.
         *
         * @param exists the new value
         * @return this builder
         */
        public Builder modulesDisabledSysctl(boolean exists) {
            this.modulesDisabledSysctl = exists;
            return this;
        }

        /**
         * Sets {@link KernelProfile#warnsWithoutNonblock()}.
         *
         * @param warns the new value
         * @return this builder
         */
        public Builder warnsWithoutNonblock(boolean warns) {
            this.warnsWithoutNonblock = warns;
            return this;
        }

        /**
         * Sets {@link KernelProfile#procModulesFormat()}.
         *
         * @param format the new value
         * @return this builder
         */
        public Builder procModulesFormat(ProcModulesFormat format) {
            this.procModulesFormat = format;
            return this;
        }

        /**
         * Sets {@link KernelProfile#duplicateLoad()}.
         *
         * @param rule the new value
         * @return this builder
         */
        public Builder duplicateLoad(DuplicateLoad rule) {
            this.duplicateLoad = rule;
            return this;
        }

        /**
         * Sets {@link KernelProfile#idempotentFileLoad()}.
         *
         * @param idempotent the new value
         * @return this builder
         */
        public Builder idempotentFileLoad(boolean idempotent) {
            this.idempotentFileLoad = idempotent;
            return this;
        }

        /**
         * Sets {@link KernelProfile#hasCreateModuleCall()}.
         *
         * @param exists the new value
         * @return this builder
         */
        public Builder createModuleCall(boolean exists) {
            this.createModuleCall = exists;
            return this;
        }

        /**
         * Sets {@link KernelProfile#hasQueryModuleCall()}.
         *
         * @param exists the new value
         * @return this builder
         */
        public Builder queryModuleCall(boolean exists) {
            this.queryModuleCall = exists;
            return this;
        }

        /**
         * Sets {@link KernelProfile#hasSysfs()}.
         *
         * @param exists the new value
         * @return this builder
         */
        public Builder sysfs(boolean exists) {
            this.sysfs = exists;
            return this;
        }

        /**
         * The profile.
         *
         * @return the profile with this builder's release and rules
         * @throws NullPointerException     when the release or a rule is null
         * @throws IllegalArgumentException for an unparsable release, or a name copy or stop rule that does not go
         *                                  with the delete_module call
         */
        public KernelProfile build() {
            return new KernelProfile(this);
        }
    }
}
