package org.kmod4j.scenario;

/**
 * A scenario line that does not follow the format: names the line and what is wrong with it. Line 0 stands for the
 * file as a whole (too large to read).
 */
public final class ScenarioSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;
    private final String problem;

    public ScenarioSyntaxException(int line, String message) {
        super(line > 0 ? "line " + line + ": " + message : message);
        this.line = line;
        this.problem = message;
    }

    public int line() {
        return line;
    }

    /** {@return what is wrong, without the line number} */
    public String problem() {
        return problem;
    }

    /** {@code FILE:LINE: problem} (or {@code FILE: problem} for the whole file), the form compilers use. */
    public String describe(Object file) {
        return file + (line > 0 ? ":" + line : "") + ": " + problem;
    }
}
