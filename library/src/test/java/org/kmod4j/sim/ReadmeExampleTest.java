package org.kmod4j.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.kmod4j.api.Errno;
import org.kmod4j.api.RemoveFlag;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.SyscallResult;

/** The README's library example does what the README says. */
class ReadmeExampleTest {

    @Test
    void readmeLibraryExamplePrintsWhatTheReadmeShows() throws Exception {
        SimulatedKernel kernel = SimulatedKernel.builder()
                .module(ModuleImage.builder("netfoo").exports("netfoo_register").build())
                .module(ModuleImage.builder("netfoo_eth").uses("netfoo_register").build())
                .build();
        kernel.loadModule("netfoo", "");
        kernel.loadModule("netfoo_eth", "");

        SyscallResult r = kernel.deleteModule("netfoo", RemoveFlags.of(RemoveFlag.NONBLOCK));
        assertEquals(Errno.EWOULDBLOCK, r.error());
        assertEquals("netfoo_eth 16384 0 - Live 0xffffffffc0004000\nnetfoo 16384 1 netfoo_eth, Live 0xffffffffc0000000\n",
                kernel.readFile("/proc/modules"));
    }
}
