/**
 * JUnit 5 support: {@link org.kmod4j.junit.SimulatedKernelTest} (or
 * {@code @ExtendWith(SimulatedKernelExtension.class)}) gives each {@link org.kmod4j.sim.SimulatedKernel} parameter
 * a fresh kernel, seeded by {@link org.kmod4j.junit.Scenario} and of the release {@link org.kmod4j.junit.KernelRelease}
 * names.
 */
package org.kmod4j.junit;
