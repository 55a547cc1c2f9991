/**
 * libkmod's internals, ported from kmod 30's {@code libkmod/}: the module functions the tools use
 * ({@link org.kmod4j.kmod.Libkmod}: name normalization, initstate, refcnt, holders, size, the removal call), the
 * module directory's index files ({@link org.kmod4j.kmod.IndexFile}, {@link org.kmod4j.kmod.ModuleDirectory},
 * {@link org.kmod4j.kmod.BuiltinIndex}) and the modprobe.d configuration ({@link org.kmod4j.kmod.ModprobeConfig}).
 * Same files read in the same order, same messages logged ({@link org.kmod4j.kmod.KmodLog}), so that the tools built
 * on them print what kmod prints. Not part of the public API: use {@code org.kmod4j.modules}.
 */
package org.kmod4j.kmod;
