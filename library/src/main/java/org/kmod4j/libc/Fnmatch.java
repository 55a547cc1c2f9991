package org.kmod4j.libc;

import org.kmod4j.api.BadInputException;

/**
 * glibc's {@code fnmatch(pattern, string, 0)} in the C locale, as libkmod uses it for the module patterns of
 * {@code alias}, {@code softdep} and {@code remove} lines and for the wildcard keys of {@code modules.alias.bin}: no
 * flags, so {@code *} and {@code ?} also match {@code /} and a leading {@code .}, and a backslash quotes the next
 * character (a trailing backslash never matches).
 *
 * <p>Bracket expressions: {@code [abc]}, ranges {@code [a-z]} (by character value, as in the C locale), negation with
 * {@code !} or {@code ^}, a {@code ]} right after the opening bracket (or its negation) is a member, character classes
 * {@code [[:alpha:]]} (an unknown class name makes the whole pattern fail, as in glibc). An unterminated {@code [} is
 * an ordinary character, except when a member already matched before the end of the pattern was found (then the
 * match fails, as in glibc). Collating symbols {@code [.x.]} and equivalence classes {@code [=x=]} stand for their one
 * character, as in the C locale (a longer name fails the match).
 */
public final class Fnmatch {
    private Fnmatch() {
    }

    /** {@code fnmatch(pattern, string, 0) == 0}. */
    public static boolean matches(String pattern, String string) {
        return match(pattern, 0, string, 0, new Work(pattern, string));
    }

    /** The most {@code *} a match may nest (real patterns have a handful); the Java stack holds far more. */
    public static final int MAX_DEPTH = 2000;
    /** The most pattern steps one match may take: about a second; real matches take a few hundred. */
    public static final long MAX_STEPS = 50_000_000L;

    /**
     * What one match has done: the positions found not to match after a {@code *}, its nesting and its steps. A
     * pattern beyond the bounds is refused with a {@link BadInputException} rather than matched for minutes
     * (glibc would take exponential time on it; no real configuration comes near).
     */
    private static final class Work {
        public final java.util.Set<Long> failed = new java.util.HashSet<>();
        public final String pattern;
        public final String string;
        public long steps;
        public int depth;

        public Work(String pattern, String string) {
            this.pattern = pattern;
            this.string = string;
        }

        public void step() {
            if (++steps > MAX_STEPS) {
                throw tooComplex("more than " + MAX_STEPS + " steps");
            }
        }

        public BadInputException tooComplex(String why) {
            String shown = pattern.length() > 40 ? pattern.substring(0, 40) + "..." : pattern;
            return new BadInputException("the wildcard pattern '" + BadInputException.printable(shown) + "' ("
                    + pattern.length() + " bytes) is too complex to match against a name of " + string.length()
                    + " bytes (" + why + "); kmod4j stops instead of running for minutes");
        }
    }

    private static char at(String s, int i) {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    /**
     * Whether {@code p} from {@code pi} matches {@code s} from {@code si}. The result depends on nothing else, so the
     * positions already found not to match after a {@code *} are remembered in {@code failed}: without that, a
     * pattern such as {@code *a*a*a...*b} from a hostile modprobe.d line takes exponential time (as glibc's does);
     * with it, each pair of positions is tried once.
     */
    private static boolean match(String p, int pi, String s, int si, Work work) {
        while (pi < p.length()) {
            work.step();
            char c = p.charAt(pi++);
            switch (c) {
                case '?' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    si++;
                }
                case '\\' -> {
                    if (pi >= p.length()) {
                        return false; // trailing backslash loses
                    }
                    c = p.charAt(pi++);
                    if (si >= s.length() || s.charAt(si) != c) {
                        return false;
                    }
                    si++;
                }
                case '*' -> {
                    // Collapse runs of '*' and '?': each '?' needs one character.
                    while (pi < p.length() && (p.charAt(pi) == '*' || p.charAt(pi) == '?')) {
                        if (p.charAt(pi) == '?') {
                            if (si >= s.length()) {
                                return false;
                            }
                            si++;
                        }
                        pi++;
                    }
                    if (pi >= p.length()) {
                        return true;
                    }
                    if (++work.depth > MAX_DEPTH) {
                        throw work.tooComplex("more than " + MAX_DEPTH + " nested '*'");
                    }
                    try {
                        for (int k = si; k <= s.length(); k++) {
                            long state = ((long) pi << 32) | k;
                            if (work.failed.contains(state)) {
                                continue;
                            }
                            if (match(p, pi, s, k, work)) {
                                return true;
                            }
                            work.failed.add(state);
                        }
                        return false;
                    } finally {
                        work.depth--;
                    }
                }
                case '[' -> {
                    if (si >= s.length()) {
                        return false;
                    }
                    int next = bracket(p, pi, s.charAt(si));
                    if (next == NO_MATCH) {
                        return false;
                    }
                    if (next == LITERAL) {
                        if (s.charAt(si) != '[') {
                            return false;
                        }
                        si++;
                    } else {
                        pi = next;
                        si++;
                    }
                }
                default -> {
                    if (si >= s.length() || s.charAt(si) != c) {
                        return false;
                    }
                    si++;
                }
            }
        }
        return si == s.length();
    }

    private static final int NO_MATCH = -1;
    private static final int LITERAL = -2;

    /**
     * A bracket expression starting after its {@code [} at {@code pi}, against the character {@code fn}: the pattern
     * index after its {@code ]} when it matches, {@link #NO_MATCH}, or {@link #LITERAL} when the {@code [} is
     * unterminated and stands for itself.
     */
    private static int bracket(String p, int pi, char fn) {
        boolean not = at(p, pi) == '!' || at(p, pi) == '^';
        if (not) {
            pi++;
        }
        char c = at(p, pi++);
        boolean matched = false;
        while (true) {
            char cold;
            if (c == '\\') {
                if (at(p, pi) == '\0') {
                    return NO_MATCH;
                }
                c = at(p, pi++);
            } else if (c == '[' && at(p, pi) == ':') {
                int start = pi;
                StringBuilder name = new StringBuilder();
                int q = pi;
                boolean isClass = true;
                while (true) {
                    char k = at(p, ++q);
                    if (k == ':' && at(p, q + 1) == ']') {
                        q += 2;
                        break;
                    }
                    if (k < 'a' || k >= 'z' || name.length() >= 255) {
                        isClass = false;
                        break;
                    }
                    name.append(k);
                }
                if (isClass) {
                    Boolean in = inClass(name.toString(), fn);
                    if (in == null) {
                        return NO_MATCH; // invalid class name
                    }
                    pi = q;
                    if (in) {
                        matched = true;
                        break;
                    }
                    c = at(p, pi++);
                    if (c == ']') {
                        break;
                    }
                    continue;
                }
                pi = start;
                c = '[';
            } else if (c == '[' && (at(p, pi) == '.' || at(p, pi) == '=')) {
                // A collating symbol [.x.] or an equivalence class [=x=]: in the C locale, one character.
                char kind = at(p, pi);
                int close = p.indexOf(new String(new char[] {kind, ']'}), pi + 1);
                if (close < 0 || close != pi + 2) {
                    return NO_MATCH;
                }
                c = p.charAt(pi + 1);
                pi = close + 2;
            } else if (c == '\0') {
                return LITERAL;
            }
            // an ordinary member, possibly the start of a range
            boolean isRange = at(p, pi) == '-' && at(p, pi + 1) != '\0' && at(p, pi + 1) != ']';
            if (!isRange && c == fn) {
                matched = true;
                break;
            }
            cold = c;
            c = at(p, pi++);
            if (c == '-' && at(p, pi) != ']') {
                char cend = at(p, pi++);
                if (cend == '\\') {
                    cend = at(p, pi++);
                }
                if (cend == '\0') {
                    return NO_MATCH;
                }
                if (cold <= fn && fn <= cend) {
                    matched = true;
                    break;
                }
                c = at(p, pi++);
            }
            if (c == ']') {
                break;
            }
        }
        if (!matched) {
            return not ? pi : NO_MATCH;
        }
        // Skip the rest of the expression; an unterminated one loses.
        char k = at(p, pi++);
        while (k != ']') {
            if (k == '\0') {
                return NO_MATCH;
            }
            if (k == '\\') {
                if (at(p, pi) == '\0') {
                    return NO_MATCH;
                }
                pi++;
            } else if (k == '[' && (at(p, pi) == ':' || at(p, pi) == '.' || at(p, pi) == '=')) {
                char kind = at(p, pi);
                int q = pi + 1;
                while (at(p, q) != '\0' && !(at(p, q) == kind && at(p, q + 1) == ']')) {
                    q++;
                }
                if (at(p, q) == '\0') {
                    return NO_MATCH;
                }
                pi = q + 2;
            }
            k = at(p, pi++);
        }
        return not ? NO_MATCH : pi;
    }

    /** Whether {@code c} is in the C locale's character class {@code name}; null for an unknown class. */
    private static Boolean inClass(String name, char c) {
        boolean upper = c >= 'A' && c <= 'Z';
        boolean lower = c >= 'a' && c <= 'z';
        boolean digit = c >= '0' && c <= '9';
        boolean print = c >= 0x20 && c < 0x7f;
        return switch (name) {
            case "alnum" -> upper || lower || digit;
            case "alpha" -> upper || lower;
            case "blank" -> c == ' ' || c == '\t';
            case "cntrl" -> c < 0x20 || c == 0x7f;
            case "digit" -> digit;
            case "graph" -> print && c != ' ';
            case "lower" -> lower;
            case "print" -> print;
            case "punct" -> print && c != ' ' && !upper && !lower && !digit;
            case "space" -> c == ' ' || (c >= '\t' && c <= '\r');
            case "upper" -> upper;
            case "xdigit" -> digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            default -> null;
        };
    }
}
