package org.kmod4j.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;

class NativeDeleteModuleTest {

    @Test
    void syscallNumbers() {
        assertEquals(176, NativeDeleteModule.syscallNumber("amd64"));
        assertEquals(176, NativeDeleteModule.syscallNumber("x86_64"));
        assertEquals(106, NativeDeleteModule.syscallNumber("aarch64"));
        assertThrows(UnsupportedOperationException.class, () -> NativeDeleteModule.syscallNumber("riscv64"));
    }

    /**
     * The real syscall, only on a kernel without module support (no /proc/modules), and only with a name no module
     * has: such a kernel answers ENOSYS for every call.
     */
    @Test
    void aKernelWithoutModuleSupportAnswersEnosys() {
        assumeTrue(System.getProperty("os.name").equals("Linux"), "not Linux");
        assumeFalse(Files.exists(Path.of("/proc/modules")),
                "this kernel has module support: the real delete_module is not called by the tests");
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("aarch64"), "no syscall number for " + arch);
        HostKernel host = new HostKernel();
        assertEquals(SyscallResult.failed(Errno.ENOSYS),
                host.deleteModule("kmod4j_no_such_module", RemoveFlags.of(RemoveFlag.NONBLOCK)));
        assertEquals(SyscallResult.failed(Errno.ENOSYS),
                host.deleteModule("kmod4j_no_such_module", RemoveFlags.of(RemoveFlag.NONBLOCK, RemoveFlag.FORCE)));
    }
}
