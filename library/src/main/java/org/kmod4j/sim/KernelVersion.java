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
     * Whether delete_module rejects unterminated names: commit a6323bd4e611 ("module: Prevent silent truncation of
     * module name in delete_module(2)"), mainline 6.17, backported to the stable series in August 2025. The first
     * fixed point release of each series, and where that is written down:
     * <ul>
     * <li>6.1.149: the 6.1.149 release announcement's shortlog, and Debian's linux 6.1.153-1 changelog entry, which
     *     lists it under ChangeLog-6.1.149; 6.1.192 (Debian 6.1.0-56/-57) was booted and rejects 56+ byte names;</li>
     * <li>6.12.43: Debian's linux 6.12.43-1 changelog lists it under ChangeLog-6.12.43 (not in 6.12.44's
     *     shortlog); 6.12.117 (Debian 6.12.117+deb12) was booted and rejects them;</li>
     * <li>6.6.103 and 6.16.2: their release announcements' shortlogs;</li>
     * <li>6.15.11: an assumption (6.15's last release came out with 6.16.2; not checked).</li>
     * </ul>
     */
    boolean hasNameCopyFix() {
        if (compareTo(new KernelVersion(6, 17, 0)) >= 0) {
            return true;
        }
        int firstFixed = switch (major * 100 + minor) {
            case 601 -> 149;
            case 606 -> 103;
            case 612 -> 43;
            case 615 -> 11;
            case 616 -> 2;
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
