package org.kmod4j.sim;

import java.util.Objects;

/**
 * The rules of one kernel generation, chosen by release string, the way Jimfs's {@code Configuration.unix()} picks a
 * file-system flavour. Code asks the profile; it never compares version numbers itself.
 *
 * @param release   the release the profile stands for, as {@code uname -r} prints it
 * @param nameCopy  how delete_module copies the name from user space (kernel.md §1.2)
 */
public record KernelProfile(String release, NameCopy nameCopy) {

    /** The two stable-release variants of delete_module's name copy (kernel.md §1.1 steps 2a and 2b). */
    public enum NameCopy {
        /** Up to 6.16 without the backport: copy at most 55 bytes and cut there, so long names are truncated. */
        TRUNCATE,
        /**
         * 6.17, and stables with commit a6323bd4e611: an empty name, or no NUL in the first 56 bytes, gives ENOENT.
         */
        REJECT_UNTERMINATED
    }

    public KernelProfile {
        Objects.requireNonNull(release);
        Objects.requireNonNull(nameCopy);
    }

    /** Debian 12's kernel, 6.1.192, the one the conformance suite boots: it carries the name-copy fix. */
    public static KernelProfile debian12() {
        return forRelease("6.1.192");
    }

    /**
     * The profile for a release string such as {@code 6.1.192}, {@code 6.17} or {@code 5.10.0-23-amd64}.
     *
     * @throws IllegalArgumentException for a release kmod4j has no profile for yet, or an unparsable one
     */
    public static KernelProfile forRelease(String release) {
        KernelVersion v = KernelVersion.parse(release);
        if (v.compareTo(new KernelVersion(3, 15, 0)) < 0) {
            throw new IllegalArgumentException("no profile for Linux " + release
                    + " yet: kmod4j models Linux 3.15 and later (older generations are issue 4)");
        }
        return new KernelProfile(release, v.hasNameCopyFix() ? NameCopy.REJECT_UNTERMINATED : NameCopy.TRUNCATE);
    }

    public KernelProfile withNameCopy(NameCopy variant) {
        return new KernelProfile(release, variant);
    }
}
