package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
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
 * delete_module vs finit_module of the same name on Linux 6.1.192: {@code m} is loaded and LIVE with no reference;
 * actor1 calls {@code delete_module("m", O_NONBLOCK)}, actor2 loads {@code m.ko} again.
 *
 * <p>Delete side (docs/kernel-rules.md, "Check order"): {@code m} is found LIVE and unused, and a load never touches an
 * existing module's state or count, so the delete always succeeds: it marks {@code m} GOING under module_mutex, runs
 * exit without the mutex, then free_module makes it UNFORMED and unlinks it (one mutex hold) and wakes module_wq.
 *
 * <p>Load side: module_patient_check_exists (6.1 and later, docs/kernel-rules.md, "Module states"; EEXIST and EBUSY
 * observed on 6.1.192) waits only while the old module is COMING or UNFORMED; then a LIVE one gives EEXIST and any
 * other state (GOING) gives EBUSY. Once free_module has unlinked the old module the load proceeds and succeeds.
 *
 * <p>Result: (delete's result, load's result, the {@code m} lines of /proc/modules afterwards as
 * {@code State/refcount}, joined with {@code +}, or {@code gone}).
 */
@JCStressTest
@Description("Linux 6.1.192: delete_module(m, O_NONBLOCK) vs finit_module(m.ko), m loaded first")
@Outcome(id = "OK, EEXIST, gone", expect = ACCEPTABLE,
        desc = "The load checked first: m was LIVE, so EEXIST; then the delete unloaded it.")
@Outcome(id = "OK, EBUSY, gone", expect = ACCEPTABLE_INTERESTING,
        desc = "The load came while m was GOING (delete stopped it, exit or free_module still running): EBUSY, "
                + "without waiting (6.1 waits only for COMING/UNFORMED).")
@Outcome(id = "OK, OK, Live/0", expect = ACCEPTABLE,
        desc = "The delete finished (m unlinked) before the load checked: a fresh m loads and is Live, unused.")
@Outcome(id = "(?!OK,).*", expect = FORBIDDEN,
        desc = "FORBIDDEN: delete failed (ENOENT, EBUSY, EWOULDBLOCK...) though m was loaded, LIVE and unused when "
                + "it started, and a concurrent load of the same name never changes the existing module.")
@Outcome(id = ".*\\+.*", expect = FORBIDDEN,
        desc = "FORBIDDEN: two modules named m on the list at once.")
@Outcome(id = "OK, OK, gone", expect = FORBIDDEN,
        desc = "FORBIDDEN: the load reported success but no m is loaded.")
@Outcome(id = "OK, (EEXIST|EBUSY), Live.*", expect = FORBIDDEN,
        desc = "FORBIDDEN: the load failed but an m is loaded (the deleted module came back, or a half load stayed).")
@Outcome(expect = FORBIDDEN,
        desc = "FORBIDDEN: any other combination.")
@State
public class DeleteVsLoadLinux61 {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("6.1.192");

    @Actor
    public void deleter(LLL_Result r) {
        r.r1 = Kernels.result(kernel.deleteModule(Kernels.M, Kernels.O_NONBLOCK));
    }

    @Actor
    public void loader(LLL_Result r) {
        r.r2 = Kernels.result(kernel.loadModule(Kernels.M, ""));
    }

    @Arbiter
    public void arbiter(LLL_Result r) {
        r.r3 = Kernels.view(kernel);
    }
}
