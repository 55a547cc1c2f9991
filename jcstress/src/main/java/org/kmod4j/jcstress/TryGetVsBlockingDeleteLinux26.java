package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
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
import org.openjdk.jcstress.infra.results.LLLL_Result;

/**
 * try_module_get + module_put vs a blocking delete_module on Linux 2.6.32: {@code m} is LIVE with no reference;
 * actor1 takes a reference and, if it got one, checks whether the delete has already returned and then drops it;
 * actor2 calls {@code delete_module("m", 0)} (no O_NONBLOCK) and then sets the volatile {@code deleteReturned}.
 *
 * <p>Rule (docs/kernel-rules.md, "2.6.0" steps 8-10, "2.6.1 to 3.12"; 2.6.0 to 3.12 without O_NONBLOCK): the delete
 * marks {@code m} GOING with no refcount test, then {@code synchronize_sched()} lets every get already inside its
 * preempt-disabled section finish (so it is counted), and {@code wait_for_zero_refcount} sleeps until the count is
 * zero. A get that comes after GOING fails. So a successful get is always waited for: the delete cannot return while
 * actor1 holds its reference, and actor1's module_put never touches freed memory. A refused get means the delete had
 * already begun.
 *
 * <p>Result: (actor1's get: {@code got}/{@code refused}, what actor1 saw while holding: {@code held-while-loaded} or
 * {@code DELETE-RETURNED-WHILE-HELD}, or {@code -}, what its release did: {@code clean}/{@code OOPS}/{@code -},
 * delete's result and {@code m} in /proc/modules afterwards).
 */
@JCStressTest
@Description("Linux 2.6.32: try_module_get(m) + module_put vs delete_module(m, 0), which waits for the count")
@Outcome(id = "got, held-while-loaded, clean, OK gone", expect = ACCEPTABLE,
        desc = "The get came first and was counted: the delete (GOING at once) waited for actor1's put, then "
                + "unloaded m.")
@Outcome(id = "refused, -, -, OK gone", expect = ACCEPTABLE,
        desc = "The delete marked m GOING first (or already freed it): try_module_get fails; the delete unloads m.")
@Outcome(id = ".*, DELETE-RETURNED-WHILE-HELD, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: delete_module(m, 0) returned while actor1 held a reference it had got: 2.6 waits for "
                + "every counted reference (synchronize_sched makes an in-flight get counted or refused).")
@Outcome(id = ".*, OOPS, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: actor1's module_put hit the freed module: a get succeeded on a module being unloaded.")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination (delete failing, or m still listed).")
@State
public class TryGetVsBlockingDeleteLinux26 {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("2.6.32");
    private volatile boolean deleteReturned;

    @Actor
    public void getPut(LLLL_Result r) {
        Optional<ModuleReference> ref = kernel.tryModuleGet(Kernels.M);
        if (ref.isEmpty()) {
            r.r1 = "refused";
            r.r2 = "-";
            r.r3 = "-";
            return;
        }
        r.r1 = "got";
        r.r2 = deleteReturned ? "DELETE-RETURNED-WHILE-HELD" : "held-while-loaded";
        Oops oops = ref.get().release();
        r.r3 = oops == null ? "clean" : "OOPS";
    }

    @Actor
    public void blockingDelete(LLLL_Result r) {
        r.r4 = Kernels.result(kernel.deleteModule(Kernels.M, 0));
        deleteReturned = true;
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r4 = r.r4 + " " + Kernels.view(kernel);
    }
}
