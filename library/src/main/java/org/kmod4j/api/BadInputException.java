package org.kmod4j.api;

/**
 * An input file kmod4j refuses: a corrupt index, a configuration or scenario file far larger than any real one, a
 * pattern too costly to match. The message names the file (or the input) and what is wrong with it; tools print it as
 * an error and exit with status 1, and nothing is changed because of it.
 */
public class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * An input refused for the reason {@code message} gives (the file's name included).
     *
     * @param message what is wrong, naming the file or input
     */
    public BadInputException(String message) {
        super(message);
    }

    /**
     * A user's text in a message, control characters escaped so that they cannot garble the terminal.
     *
     * @param text the text as the user gave it
     * @return the text with every control character as {@code \xNN}
     */
    public static String printable(String text) {
        StringBuilder b = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
