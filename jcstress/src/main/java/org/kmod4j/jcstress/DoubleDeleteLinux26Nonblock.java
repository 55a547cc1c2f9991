package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.kmod4j.sim.SimulatedKernel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLL_Result;

/**
 * Two {@code delete_module("m", O_NONBLOCK)} calls at once on Linux 2.6.32: {@code m} is LIVE with no reference.
 *
 * <p>Rule (docs/kernel-rules.md, "Check order" steps 4-10, "Module states"; 2.6.0-3.12 with O_NONBLOCK: the stop is
 * stop_machine's refcount check, zero for an unused module): the lookup, the state check and the stop all run under
 * module_mutex, and the winner marks {@code m} GOING before it drops the mutex. The loser then finds it GOING ({@code
 * state != LIVE}: EBUSY) or, once free_module has made it UNFORMED and unlinked it, not at all (ENOENT). Exactly one
 * call unloads the module.
 *
 * <p>Result: (actor1's result, actor2's result, {@code m} in /proc/modules afterwards).
 */
@JCStressTest
@Description("Linux 2.6.32: delete_module(m, O_NONBLOCK) twice at once, m live and unused")
@Outcome(id = {"OK, EBUSY, gone", "EBUSY, OK, gone"}, expect = ACCEPTABLE,
        desc = "One call stopped m; the other found it GOING (still on the list, exit or free_module running): EBUSY.")
@Outcome(id = {"OK, ENOENT, gone", "ENOENT, OK, gone"}, expect = ACCEPTABLE,
        desc = "One call unloaded m completely before the other looked it up: ENOENT.")
@Outcome(id = "OK, OK, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: both calls unloaded the same module (a double exit and free_module).")
@Outcome(id = "(EBUSY|ENOENT|EWOULDBLOCK), (EBUSY|ENOENT|EWOULDBLOCK), .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: neither call unloaded m, though it was live and unused.")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination (another errno, or m still listed after a successful delete).")
@State
public class DoubleDeleteLinux26Nonblock {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("2.6.32");

    @Actor
    public void deleter1(LLL_Result r) {
        r.r1 = Kernels.result(kernel.deleteModule(Kernels.M, Kernels.O_NONBLOCK));
    }

    @Actor
    public void deleter2(LLL_Result r) {
        r.r2 = Kernels.result(kernel.deleteModule(Kernels.M, Kernels.O_NONBLOCK));
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = Kernels.view(kernel);
    }
}
