package org.kmod4j.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Which release a run's KERNEL_VERSION file stands for: Debian's upstream version, not its ABI name. */
class KernelVersionFileTest {

    @Test
    void debian61AbiNameIsResolvedToTheUpstreamVersionInProcVersion() {
        // Debian's 6.1.0-57-amd64 is 6.1.192: read as "6.1.0" it would lose the name-copy fix of 6.1.149.
        assertEquals("6.1.192", KernelVersionFile.profileRelease("""
                6.1.0-57-amd64
                Linux version 6.1.0-57-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) \
                12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-3 (2026-11-20)
                """));
    }

    @Test
    void debian612BackportVersionIsReadWithoutItsTilde() {
        assertEquals("6.12.117", KernelVersionFile.profileRelease("""
                6.12.117+deb12-amd64
                Linux version 6.12.117+deb12-amd64 (debian-kernel@lists.debian.org) (x86_64-linux-gnu-gcc-12 \
                (Debian 12.2.0-14+deb12u1) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC \
                Debian 6.12.117-1~deb12u1 (2026-11-14)
                """));
    }

    @Test
    void withoutADebianVersionTheReleaseLineIsUsed() {
        assertEquals("6.17.0-rc1", KernelVersionFile.profileRelease("6.17.0-rc1\nLinux version 6.17.0-rc1 (me@host)\n"));
        assertEquals("5.10.0", KernelVersionFile.profileRelease("5.10.0\n"));
        assertThrows(IllegalArgumentException.class, () -> KernelVersionFile.profileRelease("\n"));
    }
}
