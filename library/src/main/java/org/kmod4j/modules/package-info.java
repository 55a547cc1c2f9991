/**
 * The kmod4j library: find modules, read their state and remove them, on any backend, and learn exactly why a
 * removal failed. What libkmod (with the removal logic of kmod's {@code rmmod} and {@code modprobe -r}) is to C.
 *
 * <p>{@link org.kmod4j.modules.Kmod} opens a backend: the running host ({@link org.kmod4j.modules.Kmod#host()}), a
 * fixture tree ({@link org.kmod4j.modules.Kmod#fixture}), a scenario ({@link org.kmod4j.modules.Kmod#scenario}) or a
 * simulated kernel ({@link org.kmod4j.modules.Kmod#simulator}). {@link org.kmod4j.modules.Kmod#module},
 * {@link org.kmod4j.modules.Kmod#loaded()} and {@link org.kmod4j.modules.Kmod#lookup} read
 * {@link org.kmod4j.modules.Module}s; {@link org.kmod4j.modules.Kmod#remove} removes, as
 * {@link org.kmod4j.modules.RemoveOptions} say, and returns a {@link org.kmod4j.modules.Removal}: ordered
 * {@link org.kmod4j.modules.Step}s, each with the {@code delete_module} call made and a
 * {@link org.kmod4j.modules.Reason}.
 *
 * {@snippet :
 * Kmod kmod = Kmod.host();
 * Removal r = kmod.remove(List.of("irdma", "ice"), RemoveOptions.modprobe()   // irdma first: it uses ice
 *         .waitUpTo(Duration.ofSeconds(10))
 *         .build());
 * if (!r.succeeded()) {
 *     Step failed = r.failure().orElseThrow();
 *     switch (failed.reason()) {
 *         case IN_USE_BY_HOLDERS -> System.err.println(failed.module() + " is used by " + failed.holders());
 *         case NO_PRIVILEGE -> System.err.println("run as root");
 *         default -> System.err.println(failed.module() + ": " + failed.reason());
 *     }
 * }
 * }
 *
 * <p>The library never prints; the tools ({@code org.kmod4j.tools}) print kmod's messages from a
 * {@link org.kmod4j.modules.RemovalListener}. It never runs a modprobe.d command unless
 * {@link org.kmod4j.modules.RemoveOptions.Commands#RUN} asks it to.
 */
package org.kmod4j.modules;
