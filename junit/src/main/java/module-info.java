/**
 * A JUnit 5 extension that hands each test a fresh simulated Linux kernel: see
 * {@link org.kmod4j.junit.SimulatedKernelExtension}.
 */
module org.kmod4j.junit {
    requires transitive org.kmod4j;
    requires transitive org.junit.jupiter.api;

    exports org.kmod4j.junit;
}
