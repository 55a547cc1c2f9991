package org.kmod4j.modules;

/**
 * A backend could not be opened: a fixture root that is not a directory, a scenario that cannot be read or parsed or
 * never finishes, a corrupt index. The message starts with the file it is about.
 */
public final class KmodException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * A failure described by {@code message}.
     *
     * @param message what failed, starting with the file it is about
     */
    public KmodException(String message) {
        super(message);
    }
}
