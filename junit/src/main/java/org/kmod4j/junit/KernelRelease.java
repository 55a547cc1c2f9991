package org.kmod4j.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The kernel release whose rules a kernel handed out by {@link SimulatedKernelExtension} follows (its
 * {@link org.kmod4j.sim.KernelProfile}), e.g. {@code @KernelRelease("6.12.117")} or {@code @KernelRelease("2.6.32")}.
 * Without it, Debian 12's 6.1 ({@link org.kmod4j.sim.KernelProfile#debian12()}). A {@code kernel} line in the
 * {@link Scenario} wins: it says which kernel the scenario is about.
 *
 * <p>Placed and looked up like {@link Scenario}: parameter, then method or constructor, then class (and enclosing
 * classes).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.PARAMETER, ElementType.METHOD, ElementType.CONSTRUCTOR, ElementType.TYPE})
public @interface KernelRelease {
    /**
     * The release.
     *
     * @return a release such as {@code 6.1.192}, {@code 6.12.117}, {@code 3.13} or {@code 2.4.27} (2.4 and later)
     */
    String value();
}
