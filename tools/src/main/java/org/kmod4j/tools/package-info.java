/**
 * The kmod-compatible tools, thin over the library ({@code org.kmod4j.modules}): {@link org.kmod4j.tools.Lsmod},
 * {@link org.kmod4j.tools.Rmmod} and the removal side of {@link org.kmod4j.tools.Modprobe} parse their options as kmod
 * 30 does ({@code org.kmod4j.libc.Getopt}), call the library, and print its results: kmod's messages from a
 * {@code RemovalListener}, and {@code --json} from the same results ({@link org.kmod4j.tools.JsonReport}). Output and
 * exit statuses follow Debian's kmod 30 in its non-debug form, with the fixes of the project's chosen policy
 * (docs/tools.md).
 */
package org.kmod4j.tools;
