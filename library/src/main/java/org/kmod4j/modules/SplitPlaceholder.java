package org.kmod4j.modules;

/**
 * TEMPORARY: javac refuses to export a package that holds only a package-info.java ("package is empty or does not
 * exist"), so this package-private class keeps module-info's {@code exports org.kmod4j.modules} compiling until the
 * package has its first class. Delete it then.
 */
final class SplitPlaceholder {
    private SplitPlaceholder() {
    }
}
