/**
 * The C library behaviour kmod's output depends on, ported from glibc: {@code getopt_long}
 * ({@link org.kmod4j.libc.Getopt}), {@code fnmatch} ({@link org.kmod4j.libc.Fnmatch}), {@code strerror} texts
 * ({@link org.kmod4j.libc.Strerror}), {@code syslog} ({@link org.kmod4j.libc.Syslog}), and C string handling
 * ({@link org.kmod4j.libc.CText}: {@code fgets}, {@code strtok}, {@code strtol}, {@code printf} padding). Not part of
 * the public API.
 */
package org.kmod4j.libc;
