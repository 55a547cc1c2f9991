package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.Oops;
import org.kmod4j.sim.SimulatedKernel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.LLLLL_Result;

/**
 * The 2.6 sleeper vs the last module_put on Linux 2.6.32: {@code m} is LIVE and the state holds one reference on it
 * (taken in the constructor). actor1 calls {@code delete_module("m", 0)}, without O_NONBLOCK; actor2 drops the
 * reference.
 *
 * <p>Rule (docs/kernel-rules.md, "2.6.0" steps 9-10, "2.6.1 to 3.12", "Numbers and flags"; 2.6.0 to 3.12): without
 * O_NONBLOCK try_stop_module marks the module GOING at once, with no refcount test, and delete_module then sleeps in
 * TASK_UNINTERRUPTIBLE in {@code wait_for_zero_refcount}, without module_mutex, until the count is zero; module_put
 * wakes {@code mod->waiter} when the module is not live. So the delete returns only after the last reference is
 * dropped, and always returns 0 with the module gone. The wake-up must not be lost whichever comes first: the put
 * before the sleeper tests the count (then it sees zero and does not sleep), or the put while it sleeps (then it is
 * woken).
 *
 * <p>How "returned before the release" is seen: actor2 sets the volatile {@code released} before it calls
 * {@code release()}; actor1 reads {@code released} right after delete returns. A {@code false} there means the delete
 * returned while the reference was still held.
 *
 * <p>Bounded: a lost wake-up would leave actor1 asleep for ever. actor2, after its release, waits up to
 * {@value #RETURN_WAIT_MILLIS} ms for actor1 to return; if it has not, it records {@code STUCK} and kicks the kernel's
 * module wait queue through the public API (loading another module ends in {@code wake_up_all(&module_wq)}), which
 * rescues a sleeper that only missed its wake-up. A sleeper stuck for another reason still ends the run: jcstress
 * fails the fork with a timeout error, which run.sh counts as a failure. {@link SleeperTerminatesLinux26} checks the
 * same liveness in jcstress's termination mode.
 *
 * <p>Result: (delete's result, {@code after-release} or {@code BEFORE-release}, what the release did: {@code clean}
 * or {@code OOPS}, whether the sleeper returned by itself: {@code returned} or {@code STUCK...}, {@code m} in
 * /proc/modules afterwards).
 */
@JCStressTest
@Description("Linux 2.6.32: delete_module(m, 0) sleeping on a held reference vs the last module_put")
@Outcome(id = "OK, after-release, clean, returned, gone", expect = ACCEPTABLE,
        desc = "The delete marked m GOING, slept (or found the count already zero) until the reference was dropped, "
                + "then unloaded it.")
@Outcome(id = ".*, BEFORE-release, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: delete_module returned while the reference was still held: without O_NONBLOCK 2.6 waits "
                + "for the count to reach zero.")
@Outcome(id = ".*, OOPS, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: the release touched a freed module: the unload did not wait for it.")
@Outcome(id = ".*, STUCK.*", expect = FORBIDDEN,
        desc = "FORBIDDEN: the count reached zero but the sleeper did not return within the bound (a lost wake-up if "
                + "the kick rescued it: STUCK-rescued).")
@Outcome(id = "(?!OK,).*", expect = FORBIDDEN,
        desc = "FORBIDDEN: the delete failed: m was live, with no dependents; without O_NONBLOCK a held reference "
                + "makes 2.6 wait, not fail.")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination (m still listed after the delete returned 0).")
@State
public class SleeperVsLastPutLinux26 {
    static final long RETURN_WAIT_MILLIS = 5_000;

    private final SimulatedKernel kernel = Kernels.withLoadedModule("2.6.32");
    private final ModuleReference ref = Kernels.reference(kernel);
    private volatile boolean released;
    private volatile boolean deleteReturned;

    @Actor
    public void sleeper(LLLLL_Result r) {
        r.r1 = Kernels.result(kernel.deleteModule(Kernels.M, 0));
        boolean sawRelease = released;
        deleteReturned = true;
        r.r2 = sawRelease ? "after-release" : "BEFORE-release";
    }

    @Actor
    public void lastPut(LLLLL_Result r) {
        released = true;
        Oops oops = ref.release();
        r.r3 = oops == null ? "clean" : "OOPS";
        if (Kernels.awaitBounded(() -> deleteReturned, RETURN_WAIT_MILLIS)) {
            r.r4 = "returned";
        } else {
            Kernels.kick(kernel);
            r.r4 = Kernels.awaitBounded(() -> deleteReturned, RETURN_WAIT_MILLIS) ? "STUCK-rescued" : "STUCK";
        }
    }

    @Arbiter
    public void arbiter(LLLLL_Result r) {
        r.r5 = Kernels.view(kernel);
    }
}
