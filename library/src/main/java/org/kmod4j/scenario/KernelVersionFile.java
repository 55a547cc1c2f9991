package org.kmod4j.scenario;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A run's {@code KERNEL_VERSION} file (conformance/run-kernel.sh): line 1 the guest's {@code uname -r}, line 2 its
 * {@code /proc/version}. The simulator's profile is chosen from the upstream version, which Debian's release string
 * does not always carry: {@code 6.1.0-57-amd64} is the ABI name of 6.1.192, and only {@code /proc/version}
 * ({@code ... Debian 6.1.192-3 (...)}) says so. {@code 6.12.117+deb12-amd64} carries it in both.
 */
public final class KernelVersionFile {
    /** The file's name in a run's output directory and in each golden set. */
    public static final String NAME = "KERNEL_VERSION";

    /** Debian's package version in {@code /proc/version}: {@code Debian 6.1.192-3}, {@code Debian 6.12.117-1~deb12u1}. */
    private static final Pattern DEBIAN = Pattern.compile(" Debian (\\d+\\.\\d+\\.\\d+)[-+~]");

    private KernelVersionFile() {
    }

    /**
     * The release to pick a profile with: Debian's upstream version from line 2 when present, else line 1.
     *
     * @param text the content of a {@code KERNEL_VERSION} file
     * @return the release
     */
    public static String profileRelease(String text) {
        String[] lines = text.split("\n");
        if (lines.length > 1) {
            // The last one: the compiler's own "(Debian 12.2.0-14+deb12u1)" comes earlier in the line.
            Matcher m = DEBIAN.matcher(lines[1]);
            String version = null;
            while (m.find()) {
                version = m.group(1);
            }
            if (version != null) {
                return version;
            }
        }
        String first = lines.length > 0 ? lines[0].trim() : "";
        if (first.isEmpty()) {
            throw new IllegalArgumentException("empty " + NAME + " file");
        }
        return first;
    }
}
