package org.kmod4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Registers {@link SimulatedKernelExtension}: each {@link org.kmod4j.sim.SimulatedKernel} (or
 * {@link org.kmod4j.api.ModuleSubsystem}) parameter of a test, lifecycle method or constructor is a fresh kernel.
 * Short for {@code @ExtendWith(SimulatedKernelExtension.class)}.
 *
 * <pre>{@code
 * @SimulatedKernelTest
 * class UnloaderTest {
 *     @Test
 *     void refusesAModuleInUse(@Scenario("classpath:sound-stack.scn") SimulatedKernel kernel) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE})
@ExtendWith(SimulatedKernelExtension.class)
public @interface SimulatedKernelTest {
}
