package org.kmod4j.scenario;

/** A scenario line that does not follow the format: names the line and what is wrong with it. */
public final class ScenarioSyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    public ScenarioSyntaxException(int line, String message) {
        super("line " + line + ": " + message);
        this.line = line;
    }

    public int line() {
        return line;
    }
}
