package org.kmod4j.scenario;

/**
 * A scenario line that does not follow the format: names the line and what is wrong with it. Line 0 stands for the
 * file as a whole (too large to read).
 */
public final class ScenarioSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    /** The line number (1-based), or 0 for the whole file. */
    private final int line;
    /** What is wrong, without the line number. */
    private final String problem;

    /**
     * A malformed line.
     *
     * @param line    the line number (1-based), or 0 for the whole file
     * @param message what is wrong, without the line number
     */
    public ScenarioSyntaxException(int line, String message) {
        super(line > 0 ? "line " + line + ": " + message : message);
        this.line = line;
        this.problem = message;
    }

    /** {@return the line number (1-based), or 0 for the whole file} */
    public int line() {
        return line;
    }

    /** {@return what is wrong, without the line number} */
    public String problem() {
        return problem;
    }

    /**
     * {@code FILE:LINE: problem} (or {@code FILE: problem} for the whole file), the form compilers use.
     *
     * @param file the file, as the message should name it
     * @return the message
     */
    public String describe(Object file) {
        return file + (line > 0 ? ":" + line : "") + ": " + problem;
    }
}
