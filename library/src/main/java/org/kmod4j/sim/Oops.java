package org.kmod4j.sim;

/**
 * A kernel bug the simulated run would have hit: on a real kernel this oopses. The main case is a reference dropped
 * on a module that a forced unload already freed (docs/kernel-rules.md, "The base reference": after a forced unload,
 * each later module_put touches freed memory).
 *
 * @param timeMillis when it happened, on the kernel's clock
 * @param module     the freed module
 * @param what       what touched it
 */
public record Oops(long timeMillis, String module, String what) {
}
