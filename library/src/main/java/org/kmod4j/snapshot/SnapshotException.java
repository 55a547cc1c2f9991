package org.kmod4j.snapshot;

import org.kmod4j.api.BadInputException;

/** A snapshot file that cannot be read or is malformed; the message names the file and, when known, the line. */
public final class SnapshotException extends BadInputException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }
}
