package org.kmod4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The scenario file that seeds a kernel handed out by {@link SimulatedKernelExtension}: the kernel declares the
 * scenario's modules and has run its commands ({@code load}, {@code del}, {@code open}, ...), so it is in the state
 * the scenario leaves it in. The format is docs/scenario-format.md's, the one {@code kmod4j sim run} reads.
 *
 * <p>On a parameter it seeds that parameter; on a method, every kernel parameter of that method; on a class, every
 * kernel parameter of its methods and constructors, and of its {@code @Nested} classes. The nearest one wins.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.TYPE})
public @interface Scenario {
    /**
     * Where the scenario is: {@code classpath:NAME} for a resource of the test's class path ({@code NAME} as
     * {@link ClassLoader#getResource(String)} takes it, e.g. {@code classpath:org/example/sound.scn}), otherwise a
     * file path, relative to the working directory (a module's directory under Maven). In a named test module the
     * resource's package must be open, as test modules usually are ({@code open module}).
     *
     * @return the scenario's location
     */
    String value();
}
