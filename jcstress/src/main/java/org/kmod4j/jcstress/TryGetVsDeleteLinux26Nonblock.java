package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.Optional;
import org.kmod4j.api.SyscallResult;
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
 * try_module_get vs delete_module on Linux 2.6.32 (the stop_machine refcount check of 2.6.0-3.12 with O_NONBLOCK):
 * {@code m} is LIVE with no reference; actor1 takes a reference, actor2 calls {@code delete_module("m", O_NONBLOCK)}.
 * The arbiter reads {@code /proc/modules} and then drops actor1's reference, if any.
 *
 * <p>Rule (docs/kernel-rules.md, "2.6.1 to 3.12", "Numbers and flags"; 2.6.0 to 3.12, with O_NONBLOCK): try_stop_module
 * runs {@code stop_machine(__try_stop_module)}: a nonzero refcount gives EWOULDBLOCK (no O_TRUNC), a zero one makes the
 * module GOING, atomically with respect to try_module_get, which tests module_is_live and increments inside one
 * preempt-disabled section.
 *
 * <p>Result: (actor1's get: {@code got}/{@code refused}, delete's result, {@code m} in /proc/modules afterwards,
 * what releasing actor1's reference did: {@code -} none held, {@code clean}, {@code OOPS} on freed memory).
 */
@JCStressTest
@Description("Linux 2.6.32: try_module_get(m) vs delete_module(m, O_NONBLOCK), m live and unused")
@Outcome(id = "got, EWOULDBLOCK, Live/1, clean", expect = ACCEPTABLE,
        desc = "The get came first: the count is 1, so delete refuses with EWOULDBLOCK (no O_TRUNC) and m stays "
                + "Live with refcount 1 until the reference is dropped.")
@Outcome(id = "refused, OK, gone, -", expect = ACCEPTABLE,
        desc = "The stop came first: m is GOING (or its base reference is gone, or it is gone), so try_module_get "
                + "fails and delete unloads it.")
@Outcome(id = "got, OK, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: m unloaded while a reference is held, without force. Without O_TRUNC a held reference "
                + "must make delete fail with EWOULDBLOCK; the holder's module_put would hit freed memory.")
@Outcome(id = "refused, EWOULDBLOCK, .*", expect = FORBIDDEN,
        desc = "FORBIDDEN: nobody holds a reference, yet delete saw one; or the get was refused while m was still "
                + "live (a refused get means m was already GOING, so delete must have succeeded).")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination (another errno, or /proc/modules disagreeing with the results).")
@State
public class TryGetVsDeleteLinux26Nonblock {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("2.6.32");
    private Optional<ModuleReference> ref;

    @Actor
    public void getter(LLLL_Result r) {
        ref = kernel.tryModuleGet(Kernels.M);
        r.r1 = ref.isPresent() ? "got" : "refused";
    }

    @Actor
    public void deleter(LLLL_Result r) {
        SyscallResult result = kernel.deleteModule(Kernels.M, Kernels.O_NONBLOCK);
        r.r2 = Kernels.result(result);
    }

    @Arbiter
    public void arbiter(LLLL_Result r) {
        r.r3 = Kernels.view(kernel);
        if (ref.isEmpty()) {
            r.r4 = "-";
        } else {
            Oops oops = ref.get().release();
            r.r4 = oops == null ? "clean" : "OOPS";
        }
    }
}
