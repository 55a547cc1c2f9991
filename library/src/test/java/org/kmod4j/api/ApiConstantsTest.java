package org.kmod4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The syscall's numbers, names and texts (docs/kernel-rules.md, "Numbers and flags"). */
class ApiConstantsTest {

    @Test
    void removeFlagsAreTheX8664OpenFlagBits() {
        assertEquals(0x200, RemoveFlag.FORCE.bit());
        assertEquals(0x800, RemoveFlag.NONBLOCK.bit());
        assertEquals(0xa00, RemoveFlags.of(RemoveFlag.FORCE, RemoveFlag.NONBLOCK));
    }

    @Test
    void scenarioFlagSyntaxParsesNamesAndCIntegersAndKeepsUnknownBits() {
        assertEquals(0, RemoveFlags.parse("0"));
        assertEquals(0x800, RemoveFlags.parse("NB"));
        assertEquals(0x200, RemoveFlags.parse("TRUNC"));
        assertEquals(0xa00, RemoveFlags.parse("NB|TRUNC"));
        assertEquals(0x40000000, RemoveFlags.parse("0x40000000"));
        assertEquals(0xFFFFFFFF, RemoveFlags.parse("0xffffffff"));
        assertEquals(0644, RemoveFlags.parse("0644"));
        assertEquals("NB|0x40000000", RemoveFlags.describe(0x40000800));
        assertEquals("0", RemoveFlags.describe(0));
    }

    @Test
    void malformedFlagsAreRejectedWithTheBadText() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RemoveFlags.parse("NOWAIT"));
        assertTrue(e.getMessage().contains("NOWAIT"));
        assertThrows(IllegalArgumentException.class, () -> RemoveFlags.parse("0x1ffffffff"));
        assertThrows(IllegalArgumentException.class, () -> RemoveFlags.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> RemoveFlags.parse(""));
    }

    @Test
    void errnoHasTheAsmGenericNumbersAndGlibcTexts() {
        assertEquals(1, Errno.EPERM.number());
        assertEquals(2, Errno.ENOENT.number());
        assertEquals(11, Errno.EWOULDBLOCK.number());
        assertEquals(14, Errno.EFAULT.number());
        assertEquals(16, Errno.EBUSY.number());
        assertEquals(38, Errno.ENOSYS.number());
        assertEquals("Resource temporarily unavailable", Errno.EWOULDBLOCK.message());
        assertEquals("Device or resource busy", Errno.EBUSY.message());
        assertEquals("Function not implemented", Errno.ENOSYS.message());
        assertEquals(Errno.EWOULDBLOCK, Errno.ofNumber(11));
        assertEquals(Errno.EWOULDBLOCK, Errno.ofName("EAGAIN"));
    }

    @Test
    void taintLettersFollowBitOrderAndRIsGlobalOnly() {
        assertEquals(12288, Taint.maskOf(Taint.ofLetters("OE")));
        assertEquals("ROE", Taint.letters(12288 | 8));
        assertEquals(3, Taint.FORCED_RMMOD.bit());
        assertFalse(Taint.FORCED_RMMOD.perModule());
    }

    @Test
    void moduleNamesAreAtMost55BytesAndNormalizeLikeKmod() {
        assertEquals(55, ModuleName.of("x".repeat(55)).value().length());
        assertThrows(IllegalArgumentException.class, () -> ModuleName.of("x".repeat(56)));
        assertThrows(IllegalArgumentException.class, () -> ModuleName.of(""));
        assertEquals("snd_pcm", ModuleName.normalize("snd-pcm.ko.xz"));
    }

    @Test
    void syscallResultPrintsOkOrTheErrnoName() {
        assertEquals("OK", SyscallResult.ok().toString());
        assertEquals("EWOULDBLOCK", SyscallResult.failed(Errno.EWOULDBLOCK).toString());
    }
}
