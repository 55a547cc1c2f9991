/**
 * The real-host backend: {@link org.kmod4j.host.HostKernel} reads {@code /proc} and {@code /sys} under a root
 * directory ({@code /} for the running kernel, or a fixture tree that stands in for it) and removes modules through a
 * pluggable {@link org.kmod4j.host.DeleteModuleSyscall}: the real syscall through the FFM API for the root {@code /},
 * and a fake for fixture trees, so that a fixture run never reaches the running kernel.
 */
package org.kmod4j.host;
