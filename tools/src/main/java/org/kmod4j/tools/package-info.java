/**
 * kmod-compatible tools ({@link org.kmod4j.tools.Lsmod}, {@link org.kmod4j.tools.Rmmod}, and the removal side of
 * {@link org.kmod4j.tools.Modprobe}) over any {@link org.kmod4j.api.ModuleSubsystem}, with the pieces of libkmod they
 * use ({@link org.kmod4j.tools.Libkmod}): name normalization, initstate, holders, refcnt, size, the builtin check
 * through {@code modules.builtin.bin} ({@link org.kmod4j.tools.IndexFile}) and the removal call; for modprobe also the
 * module directory's indexes ({@link org.kmod4j.tools.ModuleDirectory}), the modprobe.d configuration and glibc's
 * {@code fnmatch}. Behaviour and messages follow Debian's kmod 30 in its non-debug form, with the fixes of the
 * project's chosen policy (docs/tools.md).
 */
package org.kmod4j.tools;
