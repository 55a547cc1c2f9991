/**
 * The kmod4j library: find modules, read their state and remove them, on any backend.
 */
package org.kmod4j.modules;
