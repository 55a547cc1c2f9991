package org.kmod4j.libc;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * glibc's {@code getopt_long()} as the kmod tools use it: arguments are permuted (options may follow operands) unless
 * {@code POSIXLY_CORRECT} is set, {@code --} ends the options, long options may be abbreviated to any unambiguous
 * prefix, and errors print glibc's messages prefixed with the program name, e.g.
 * {@code rmmod: unrecognized option '--bogus'}.
 *
 * <p>kmod4j's own long options ({@code --root}, {@code --sim}, ...) are declared {@link LongOption#exactOnly}: they
 * must be spelled out and never take part in abbreviation, so every abbreviation means what it means to kmod.
 */
public final class Getopt {
    /** No argument / a required argument (getopt's {@code no_argument}, {@code required_argument}). */
    public enum HasArg { NO, REQUIRED }

    public record LongOption(String name, HasArg hasArg, int val, boolean exactOnly) {
    }

    /** What {@link #next()} returns: an option's value ({@code val}, or the short option character) and its argument. */
    public record Opt(int val, String arg) {
    }

    /** getopt's {@code '?'}: an error was printed. */
    public static final int ERROR = '?';

    private final String prog;
    private final List<String> args;
    private final String shortOptions;
    private final List<LongOption> longOptions;
    private final PrintWriter err;
    private final boolean permute;
    private final List<String> operands = new ArrayList<>();
    private int index;
    private String cluster; // the rest of a "-abc" group being scanned
    private boolean endOfOptions;

    public Getopt(String prog, List<String> args, String shortOptions, List<LongOption> longOptions, PrintWriter err) {
        this(prog, args, shortOptions, longOptions, err, System.getenv("POSIXLY_CORRECT") == null);
    }

    public Getopt(String prog, List<String> args, String shortOptions, List<LongOption> longOptions, PrintWriter err,
           boolean permute) {
        this.prog = prog;
        this.args = List.copyOf(args);
        this.shortOptions = shortOptions;
        this.longOptions = List.copyOf(longOptions);
        this.err = err;
        this.permute = permute;
    }

    /** The next option, or null when there are no more (then {@link #operands()} are complete). */
    public Opt next() {
        if (cluster != null) {
            return shortOption();
        }
        while (index < args.size()) {
            String a = args.get(index);
            if (endOfOptions) {
                operands.add(a);
                index++;
                continue;
            }
            if (a.equals("--")) {
                endOfOptions = true;
                index++;
                continue;
            }
            if (a.startsWith("--")) {
                index++;
                return longOption(a.substring(2));
            }
            if (a.startsWith("-") && a.length() > 1) {
                index++;
                cluster = a.substring(1);
                return shortOption();
            }
            operands.add(a);
            index++;
            if (!permute) {
                endOfOptions = true;
            }
        }
        return null;
    }

    /** The non-option arguments, in order (complete once {@link #next()} returned null). */
    public List<String> operands() {
        return List.copyOf(operands);
    }

    private Opt shortOption() {
        char c = cluster.charAt(0);
        cluster = cluster.length() > 1 ? cluster.substring(1) : null;
        int at = shortOptions.indexOf(c);
        if (at < 0 || c == ':') {
            err.print(prog + ": invalid option -- '" + c + "'\n");
            return new Opt(ERROR, null);
        }
        boolean needsArg = at + 1 < shortOptions.length() && shortOptions.charAt(at + 1) == ':';
        if (!needsArg) {
            return new Opt(c, null);
        }
        if (cluster != null) {
            String arg = cluster;
            cluster = null;
            return new Opt(c, arg);
        }
        if (index < args.size()) {
            return new Opt(c, args.get(index++));
        }
        err.print(prog + ": option requires an argument -- '" + c + "'\n");
        return new Opt(ERROR, null);
    }

    private Opt longOption(String text) {
        int eq = text.indexOf('=');
        String name = eq >= 0 ? text.substring(0, eq) : text;
        LongOption found = null;
        for (LongOption o : longOptions) {
            if (o.name().equals(name)) {
                found = o;
                break;
            }
        }
        if (found == null) {
            // glibc: the first prefix match wins unless a later one differs from it (has_arg, flag or val); the
            // message then lists the first one and every differing one, in declaration order.
            List<LongOption> ambiguous = new ArrayList<>();
            for (LongOption o : longOptions) {
                if (!o.exactOnly() && o.name().startsWith(name)) {
                    if (found == null) {
                        found = o;
                    } else if (found.hasArg() != o.hasArg() || found.val() != o.val()) {
                        if (ambiguous.isEmpty()) {
                            ambiguous.add(found);
                        }
                        ambiguous.add(o);
                    }
                }
            }
            if (!ambiguous.isEmpty()) {
                StringBuilder msg = new StringBuilder(prog + ": option '--" + text + "' is ambiguous; possibilities:");
                for (LongOption o : ambiguous) {
                    msg.append(" '--").append(o.name()).append('\'');
                }
                err.print(msg.append('\n'));
                return new Opt(ERROR, null);
            }
        }
        if (found == null) {
            err.print(prog + ": unrecognized option '--" + text + "'\n");
            return new Opt(ERROR, null);
        }
        if (eq >= 0) {
            if (found.hasArg() == HasArg.NO) {
                err.print(prog + ": option '--" + found.name() + "' doesn't allow an argument\n");
                return new Opt(ERROR, null);
            }
            return new Opt(found.val(), text.substring(eq + 1));
        }
        if (found.hasArg() == HasArg.REQUIRED) {
            if (index < args.size()) {
                return new Opt(found.val(), args.get(index++));
            }
            err.print(prog + ": option '--" + found.name() + "' requires an argument\n");
            return new Opt(ERROR, null);
        }
        return new Opt(found.val(), null);
    }
}
