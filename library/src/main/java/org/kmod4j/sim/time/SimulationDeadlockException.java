package org.kmod4j.sim.time;

/**
 * Every task of a virtual-time run is asleep with no timeout and nothing left that could wake it: the real kernel
 * would hang here for ever (for example a 2.6 {@code rmmod} waiting for a reference nobody will drop).
 */
public final class SimulationDeadlockException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A deadlock that {@code message} describes.
     *
     * @param message which task found every task asleep
     */
    public SimulationDeadlockException(String message) {
        super(message);
    }
}
