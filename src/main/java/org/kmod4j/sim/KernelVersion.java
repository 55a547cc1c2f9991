package org.kmod4j.sim;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The numeric part of a kernel release string: {@code 6.1.192}, {@code 2.6.32-5-amd64} → 2.6.32. */
record KernelVersion(int major, int minor, int patch) implements Comparable<KernelVersion> {
    private static final Pattern RELEASE = Pattern.compile("(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");

    static KernelVersion parse(String release) {
        Matcher m = RELEASE.matcher(release.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a kernel release: '" + release + "' (expected e.g. 6.1.192)");
        }
        return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3)));
    }

    /**
     * Whether delete_module rejects unterminated names (commit a6323bd4e611): mainline 6.17, and the stable
     * backports of August 2025. The first point release of each stable series is an assumption (the backport was
     * queued for 6.1, 6.6, 6.12, 6.15 and 6.16); 6.1.192 was observed to have it.
     */
    boolean hasNameCopyFix() {
        if (compareTo(new KernelVersion(6, 17, 0)) >= 0) {
            return true;
        }
        int firstFixed = switch (major * 100 + minor) {
            case 601 -> 148;
            case 606 -> 102;
            case 612 -> 42;
            case 615 -> 10;
            case 616 -> 1;
            default -> Integer.MAX_VALUE;
        };
        return major == 6 && patch >= firstFixed;
    }

    /** Whether this release comes before {@code major.minor.patch}. */
    boolean before(int major, int minor, int patch) {
        return compareTo(new KernelVersion(major, minor, patch)) < 0;
    }

    @Override
    public int compareTo(KernelVersion o) {
        int c = Integer.compare(major, o.major);
        if (c == 0) {
            c = Integer.compare(minor, o.minor);
        }
        return c != 0 ? c : Integer.compare(patch, o.patch);
    }
}
