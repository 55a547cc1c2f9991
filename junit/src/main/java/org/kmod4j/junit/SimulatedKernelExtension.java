package org.kmod4j.junit;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Executable;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.kmod4j.api.ModuleSubsystem;
import org.kmod4j.scenario.ScenarioParser;
import org.kmod4j.scenario.ScenarioRunner;
import org.kmod4j.scenario.ScenarioSyntaxException;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.modules.Kmod;
import org.kmod4j.sim.SimulatedKernel;
import org.kmod4j.sim.time.SimulationDeadlockException;

/**
 * Hands tests a fresh simulated kernel, the way Jimfs hands them a file system: every parameter of type
 * {@link SimulatedKernel} (or {@link ModuleSubsystem}) of a test method, lifecycle method or constructor gets a new
 * kernel of its own (a {@link Kmod} parameter gets the library's context on one: {@code Kmod.simulator(kernel)}), on a virtual clock, that nothing else shares. It starts empty, or in the state a
 * {@link Scenario} file leaves it in, with the rules of the {@link KernelRelease} (Debian 12's 6.1 by default).
 *
 * <pre>{@code
 * @SimulatedKernelTest                       // or @ExtendWith(SimulatedKernelExtension.class)
 * @KernelRelease("6.12.117")                 // every kernel of this class: Debian 12's other kernel
 * class DriverManagerTest {
 *     @Test
 *     void unloadsTheWholeStack(@Scenario("classpath:sound-stack.scn") SimulatedKernel kernel) {
 *         new DriverManager(kernel).unload("snd");
 *         assertEquals(List.of("soundcore"), kernel.loadedModules().stream().map(m -> m.name().value()).toList());
 *     }
 *
 *     @Test
 *     void loadsWhatItIsGiven(SimulatedKernel kernel) {       // an empty kernel
 *         kernel.declare(ModuleImage.builder("foo").build());
 *         new DriverManager(kernel).load("foo");
 *         assertEquals(1, kernel.loadedModules().size());
 *     }
 * }
 * }</pre>
 *
 * <p>A scenario that cannot be read, is not valid or never finishes fails the test (not the others) with a
 * {@link ParameterResolutionException} that names the scenario and, for a syntax error, the line:
 * {@code @Scenario("classpath:bad.scn"): classpath:bad.scn:3: unknown command 'lod'}.
 *
 * <p>Maven: {@code org.kmod4j:kmod4j-junit} (test scope); JPMS module {@code org.kmod4j.junit}.
 */
public final class SimulatedKernelExtension implements ParameterResolver {
    private static final String CLASSPATH = "classpath:";

    /** Called by JUnit. */
    public SimulatedKernelExtension() {
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == SimulatedKernel.class || type == ModuleSubsystem.class || type == Kmod.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        SimulatedKernel kernel = kernel(parameter);
        return parameter.getParameter().getType() == Kmod.class ? Kmod.simulator(kernel) : kernel;
    }

    private static SimulatedKernel kernel(ParameterContext parameter) {
        Optional<String> release = nearest(parameter, KernelRelease.class, KernelRelease::value);
        KernelProfile profile = KernelProfile.debian12();
        if (release.isPresent()) {
            try {
                profile = KernelProfile.forRelease(release.get());
            } catch (IllegalArgumentException e) {
                throw new ParameterResolutionException(
                        "@KernelRelease(\"" + release.get() + "\"): " + e.getMessage(), e);
            }
        }
        Optional<String> location = nearest(parameter, Scenario.class, Scenario::value);
        if (location.isEmpty()) {
            return SimulatedKernel.builder().profile(profile).build();
        }
        String where = "@Scenario(\"" + location.get() + "\"): ";
        org.kmod4j.scenario.Scenario scenario;
        try {
            scenario = read(location.get(), profile, parameter.getDeclaringExecutable().getDeclaringClass());
        } catch (ScenarioSyntaxException e) {
            throw new ParameterResolutionException(where + e.describe(location.get()), e);
        } catch (NoSuchFileException e) {
            throw new ParameterResolutionException(where + "no such file (relative to "
                    + Path.of("").toAbsolutePath() + ")", e);
        } catch (IOException e) {
            throw new ParameterResolutionException(where + "cannot read it: " + e, e);
        }
        ScenarioRunner runner = new ScenarioRunner(scenario);
        try {
            runner.run();
        } catch (SimulationDeadlockException e) {
            throw new ParameterResolutionException(where + "the scenario never finishes: " + e.getMessage(), e);
        }
        return runner.kernel();
    }

    /** The scenario at a location: a class path resource, or a file. */
    private static org.kmod4j.scenario.Scenario read(String location, KernelProfile profile, Class<?> testClass)
            throws IOException, ScenarioSyntaxException {
        if (!location.startsWith(CLASSPATH)) {
            return ScenarioParser.read(Path.of(location), profile);
        }
        String name = location.substring(CLASSPATH.length());
        name = name.startsWith("/") ? name.substring(1) : name;
        ClassLoader loader = testClass.getClassLoader();
        try (InputStream in = loader == null ? null : loader.getResourceAsStream(name)) {
            if (in == null) {
                throw new ScenarioSyntaxException(0, "no such resource on the test class path");
            }
            byte[] bytes = in.readNBytes(ScenarioParser.MAX_FILE_SIZE);
            if (bytes.length == ScenarioParser.MAX_FILE_SIZE && in.read() >= 0) {
                throw new ScenarioSyntaxException(0, "larger than " + (ScenarioParser.MAX_FILE_SIZE >> 20)
                        + " MiB, not read (a scenario is a small text file)");
            }
            return ScenarioParser.parse(ScenarioParser.decode(bytes), profile);
        }
    }

    /** The annotation nearest the parameter: on it, on its method or constructor, on its class or an enclosing one. */
    private static <A extends java.lang.annotation.Annotation> Optional<String> nearest(ParameterContext parameter,
            Class<A> type, Function<A, String> value) {
        Optional<A> found = parameter.findAnnotation(type);
        Executable executable = parameter.getDeclaringExecutable();
        if (found.isEmpty()) {
            found = annotation(executable, type);
        }
        for (Class<?> c = executable.getDeclaringClass(); found.isEmpty() && c != null; c = c.getEnclosingClass()) {
            found = annotation(c, type);
        }
        return found.map(value);
    }

    private static <A extends java.lang.annotation.Annotation> Optional<A> annotation(AnnotatedElement element,
            Class<A> type) {
        return org.junit.platform.commons.support.AnnotationSupport.findAnnotation(element, type);
    }
}
