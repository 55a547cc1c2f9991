package org.kmod4j.jcstress;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import org.kmod4j.api.SyscallResult;
import org.kmod4j.sim.ModuleReference;
import org.kmod4j.sim.SimulatedKernel;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Description;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Mode;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.Signal;
import org.openjdk.jcstress.annotations.State;

/**
 * Liveness of the 2.6 sleeper, in jcstress's termination mode (a bounded check by construction): on Linux 2.6.32 with
 * one reference held on {@code m}, the actor calls {@code delete_module("m", 0)}, which sleeps uninterruptibly until
 * the count is zero (docs/kernel-rules.md, "2.6.0" and "2.6.1 to 3.12"); the signal, sent once the actor has started,
 * drops the reference. The delete must then return 0. jcstress waits at most 30 s per sample for the actor to finish
 * and reports {@code STALE} otherwise; an actor that ends with an exception (here: a delete that did not return 0) is
 * {@code ERROR}.
 */
@JCStressTest(Mode.Termination)
@Description("Linux 2.6.32: delete_module(m, 0) with a reference held terminates once the last module_put comes")
@Outcome(id = "TERMINATED", expect = ACCEPTABLE,
        desc = "The last module_put woke the sleeper (or came before it slept); delete returned 0.")
@Outcome(id = "STALE", expect = FORBIDDEN,
        desc = "FORBIDDEN: the count is zero but delete_module still sleeps: a lost wake-up or a wrong wait condition.")
@Outcome(id = "ERROR", expect = FORBIDDEN,
        desc = "FORBIDDEN: delete_module returned something other than 0 (2.6 waits, it does not fail).")
@State
public class SleeperTerminatesLinux26 {
    private final SimulatedKernel kernel = Kernels.withLoadedModule("2.6.32");
    private final ModuleReference ref = Kernels.reference(kernel);

    @Actor
    public void actor1() {
        SyscallResult result = kernel.deleteModule(Kernels.M, 0);
        if (!result.isOk()) {
            throw new IllegalStateException("delete_module(m, 0) returned " + result);
        }
    }

    @Signal
    public void signal() {
        ref.release();
    }
}
