/**
 * kmod4j: Linux kernel-module unloading in Java. The public API ({@link org.kmod4j.api}), the library that finds
 * modules, reads their state and removes them ({@link org.kmod4j.modules}), the kernel-exact simulator
 * ({@link org.kmod4j.sim}, {@link org.kmod4j.sim.time}) and its scenario files ({@link org.kmod4j.scenario}). The
 * real-host backend and the ports of libkmod and of the C library behind them are internal.
 *
 * <p><b>Native access.</b> On a real host, modules are removed with {@code delete_module(2)} called through the
 * Foreign Function &amp; Memory API, a restricted method: start the JVM with
 * {@code --enable-native-access=org.kmod4j} when this module is on the module path, or
 * {@code --enable-native-access=ALL-UNNAMED} when its jar is on the class path (an executable jar may say
 * {@code Enable-Native-Access: ALL-UNNAMED} in its manifest instead). Without it JDK 25 prints a warning at the first
 * such call and goes on. The simulator and fixture trees never call native code.
 */
module org.kmod4j {
    exports org.kmod4j.api;
    exports org.kmod4j.modules;
    exports org.kmod4j.scenario;
    exports org.kmod4j.sim;
    exports org.kmod4j.sim.time;
}
