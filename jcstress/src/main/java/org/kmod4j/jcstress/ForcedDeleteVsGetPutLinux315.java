package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.Optional;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.Oops;
import org.kmod4j.sim.SimulatedKernel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLLL_Result;

/**
 * A forced unload vs a get and put, on Linux 6.1.192 (CONFIG_MODULE_FORCE_UNLOAD=y, as Debian builds it): {@code m} is
 * LIVE and the state holds one reference on it (taken in the constructor). actor1 calls
 * {@code delete_module("m", O_TRUNC | O_NONBLOCK)}; actor2 takes a reference and drops it at once. The arbiter then
 * drops the state's reference.
 *
 * <p>Rule (docs/kernel-rules.md, "Check order" steps 8-9, "Decision table", "The base reference"): with references
 * outstanding, try_release_module_ref puts the base back and try_force_unload forces the stop (O_TRUNC and
 * FORCE_UNLOAD) and adds taint R; the module is unloaded and freed anyway, with its count still above zero. Any
 * module_put after the free touches freed memory, an oops on a real kernel; the simulator must record each one ({@code
 * kernel.oopses()}) and hand it back from {@code release()}: never silent.
 *
 * <p>Result: (delete's result, actor2: {@code refused} / {@code got+put} / {@code got+put-OOPS}, {@code R} if taint R
 * is set, what the arbiter's release of the held reference did, {@code oopses=N} recorded by the kernel,
 * {@code m} in /proc/modules afterwards).
 */
@JCStressTest
@Description("Linux 6.1.192: delete_module(m, O_TRUNC|O_NONBLOCK) with a reference held vs try_module_get + module_put")
@Outcome(id = "OK, refused, R, OOPS, oopses=1, gone", expect = ACCEPTABLE,
        desc = "The forced unload made m GOING (or freed it) before the get: the get fails; the held reference's "
                + "release hits freed memory and is recorded as an oops.")
@Outcome(id = "OK, got\\+put, R, OOPS, oopses=1, gone", expect = ACCEPTABLE,
        desc = "actor2 got and put its reference before the free (before the stop, or while m was GOING): clean; "
                + "the held reference's release is the one oops.")
@Outcome(id = "OK, got\\+put-OOPS, R, OOPS, oopses=2, gone", expect = ACCEPTABLE_INTERESTING,
        desc = "actor2's get landed before the stop (or looked m up before the free) and its put after the free: "
                + "both releases hit freed memory; two oopses recorded.")
@Outcome(id = "(?!OK,).*", expect = FORBIDDEN,
        desc = "FORBIDDEN: a forced delete of a live module with no dependents always succeeds, refs or not.")
@Outcome(id = "[^,]*, [^,]*, no-R, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: the unload forced past an outstanding reference without adding taint R.")
@Outcome(id = "[^,]*, [^,]*, [^,]*, SILENT, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: a module_put on the freed module went unnoticed (no oops).")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination (an oops recorded but not returned, or one returned twice, or m "
                + "still listed).")
@State
public class ForcedDeleteVsGetPutLinux315 {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("6.1.192");
    private final ModuleReference held = Kernels.reference(kernel);

    @Actor
    public void forcedDelete(LLLLLL_Result r) {
        r.r1 = Kernels.result(kernel.deleteModule(Kernels.M, Kernels.O_TRUNC | Kernels.O_NONBLOCK));
    }

    @Actor
    public void getPut(LLLLLL_Result r) {
        Optional<ModuleReference> ref = kernel.tryModuleGet(Kernels.M);
        if (ref.isEmpty()) {
            r.r2 = "refused";
        } else {
            Oops oops = ref.get().release();
            r.r2 = oops == null ? "got+put" : "got+put-OOPS";
        }
    }

    @Arbiter
    public void arbiter(LLLLLL_Result r) {
        r.r3 = Kernels.taintedR(kernel) ? "R" : "no-R";
        Oops oops = held.release();
        r.r4 = oops == null ? "SILENT" : "OOPS";
        r.r5 = "oopses=" + kernel.oopses().size();
        r.r6 = Kernels.view(kernel);
    }
}
