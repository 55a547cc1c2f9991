package org.kmod4j.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.kmod4j.api.Errno;
import org.kmod4j.api.ModuleName;
import org.kmod4j.api.RemoveFlags;
import org.kmod4j.api.Taint;
import org.kmod4j.scenario.Scenario.Command;
import org.kmod4j.scenario.Scenario.Verb;
import org.kmod4j.sim.BuiltinModule;
import org.kmod4j.sim.KernelProfile;
import org.kmod4j.sim.ModuleImage;

/** Reads the scenario format (docs/scenario-format.md), checking every line before anything runs. */
public final class ScenarioParser {
    /** Argument counts: {min, max}; max -1 means "the rest of the line is one argument". */
    private static final Map<Verb, int[]> ARITY = Map.ofEntries(
            Map.entry(Verb.LOAD, new int[] {1, -1}),
            Map.entry(Verb.DEL, new int[] {2, 2}),
            Map.entry(Verb.DELPTR, new int[] {2, 2}),
            Map.entry(Verb.OPEN, new int[] {2, 2}),
            Map.entry(Verb.CLOSE, new int[] {1, 1}),
            Map.entry(Verb.CAT, new int[] {1, 1}),
            Map.entry(Verb.LS, new int[] {1, 1}),
            Map.entry(Verb.WRITE, new int[] {2, -1}),
            Map.entry(Verb.DROPCAP, new int[] {0, 0}),
            Map.entry(Verb.SLEEP, new int[] {1, 1}),
            Map.entry(Verb.WAIT, new int[] {0, 0}),
            Map.entry(Verb.DMESG, new int[] {0, 0}),
            Map.entry(Verb.GET, new int[] {2, 2}),
            Map.entry(Verb.PUT, new int[] {1, 1}),
            Map.entry(Verb.CREATE, new int[] {2, 2}),
            Map.entry(Verb.QUERY, new int[] {2, 2}));

    /** The highest slot number {@code open} takes. */
    public static final int MAX_SLOT = 15;

    // Compiled once: String.split(" +") compiles its pattern at every call, 16,000 times for a distribution's graph.
    private static final java.util.regex.Pattern SPACES = java.util.regex.Pattern.compile(" +");
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    private static final java.util.regex.Pattern DIGITS = java.util.regex.Pattern.compile("[0-9]+");
    private static final java.util.regex.Pattern INTEGER = java.util.regex.Pattern.compile("-?[0-9]+");

    private ScenarioParser() {
    }

    /**
     * The largest scenario file read: real ones are a few KiB. The bound keeps a mistaken argument (a disk image, a
     * log) from being read whole into memory, and also bounds the virtual time a scenario can add up (see
     * {@link #MAX_MILLIS}).
     */
    public static final int MAX_FILE_SIZE = 16 << 20;

    /**
     * The longest duration a scenario may give ({@code sleep MS}, {@code init=MS}, {@code exit=MS}): about 31 years.
     * Virtual time is a {@code long} of milliseconds; with this bound a file of at most {@link #MAX_FILE_SIZE} bytes
     * (a 20-byte {@code sleep} line each) adds up to less than 10^18 ms, so the clock cannot overflow.
     */
    public static final long MAX_MILLIS = 1_000_000_000_000L;

    /**
     * Reads a scenario file: at most {@link #MAX_FILE_SIZE} bytes of UTF-8 text (see {@link #decode}), then
     * {@link #parse(String)}.
     *
     * @param file the scenario file
     * @return the scenario
     * @throws java.io.IOException     when the file cannot be read (the caller names it)
     * @throws ScenarioSyntaxException when it is too large, not UTF-8, or has a malformed line
     */
    public static Scenario read(java.nio.file.Path file) throws java.io.IOException, ScenarioSyntaxException {
        return read(file, KernelProfile.debian12());
    }

    /**
     * As {@link #read(java.nio.file.Path)}, for the kernel a run came from (see {@link #parse(String, KernelProfile)}).
     *
     * @param file           the scenario file
     * @param defaultProfile the kernel when the scenario has no {@code kernel} line
     * @return the scenario
     * @throws java.io.IOException     when the file cannot be read (the caller names it)
     * @throws ScenarioSyntaxException when it is too large, not UTF-8, or has a malformed line
     */
    public static Scenario read(java.nio.file.Path file, KernelProfile defaultProfile)
            throws java.io.IOException, ScenarioSyntaxException {
        java.util.Objects.requireNonNull(file, "file");
        if (java.nio.file.Files.isDirectory(file)) {
            throw new java.io.IOException("Is a directory");
        }
        byte[] bytes;
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_SIZE);
            if (bytes.length == MAX_FILE_SIZE && in.read() >= 0) {
                throw new ScenarioSyntaxException(0, "larger than " + (MAX_FILE_SIZE >> 20)
                        + " MiB, not read (a scenario is a small text file)");
            }
        }
        return parse(decode(bytes), defaultProfile);
    }

    /**
     * A scenario file's text: UTF-8, with a leading byte-order mark dropped (editors on Windows write one; it is
     * invisible, so refusing it would give a message about an "unknown command" the user cannot see). A byte sequence
     * that is not UTF-8 is refused with its line, column and value: a scenario names modules and files, and a
     * Latin-1 byte there is a mistake better shown than guessed.
     *
     * @param bytes the file's content
     * @return the text
     * @throws ScenarioSyntaxException for a byte sequence that is not UTF-8
     */
    public static String decode(byte[] bytes) throws ScenarioSyntaxException {
        java.util.Objects.requireNonNull(bytes, "bytes");
        java.nio.charset.CharsetDecoder decoder = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT);
        java.nio.ByteBuffer in = java.nio.ByteBuffer.wrap(bytes);
        java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length);
        java.nio.charset.CoderResult r = decoder.decode(in, out, true);
        if (r.isError()) {
            int at = in.position();
            int line = 1;
            int lineStart = 0;
            for (int i = 0; i < at; i++) {
                if (bytes[i] == '\n') {
                    line++;
                    lineStart = i + 1;
                }
            }
            throw new ScenarioSyntaxException(line, "byte 0x" + String.format("%02x", bytes[at] & 0xff)
                    + " (byte " + (at - lineStart + 1) + " of the line) is not UTF-8; scenarios are UTF-8 text");
        }
        decoder.flush(out);
        out.flip();
        String text = out.toString();
        return text.startsWith("\uFEFF") ? text.substring(1) : text;
    }

    /**
     * Parses a whole scenario text (a leading byte-order mark is dropped, lines may end in CR LF); without a
     * {@code kernel} line it models Debian 12's 6.1.
     *
     * @param text the scenario text
     * @return the scenario
     * @throws ScenarioSyntaxException for a malformed line
     */
    public static Scenario parse(String text) throws ScenarioSyntaxException {
        return parse(text, KernelProfile.debian12());
    }

    /**
     * Parses a whole scenario text for the kernel a run came from (a golden set's {@code KERNEL_VERSION}). A
     * {@code kernel} line in the scenario wins over {@code defaultProfile}: it says which kernel the scenario is
     * about. The profile is settled before the {@code module} lines are read, since their {@code size@SERIES} and
     * {@code initsize@SERIES} attributes depend on it.
     *
     * @param text           the scenario text
     * @param defaultProfile the kernel when the scenario has no {@code kernel} line
     * @return the scenario
     * @throws ScenarioSyntaxException for a malformed line
     */
    public static Scenario parse(String text, KernelProfile defaultProfile) throws ScenarioSyntaxException {
        java.util.Objects.requireNonNull(text, "text");
        java.util.Objects.requireNonNull(defaultProfile, "defaultProfile");
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        KernelProfile profile = defaultProfile;
        List<ModuleImage> images = new ArrayList<>();
        List<BuiltinModule> builtins = new ArrayList<>();
        List<Command> commands = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            lines[i] = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
        }
        boolean profileDeclared = false;
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("#") || !lines[i].trim().startsWith("kernel")) {
                continue; // only kernel lines matter in this pass: no need to split the others
            }
            List<String> words = Arrays.asList(SPACES.split(lines[i].trim()));
            if (words.get(0).equals("kernel")) {
                if (profileDeclared) {
                    throw new ScenarioSyntaxException(i + 1, "a second 'kernel' declaration");
                }
                profileDeclared = true;
                profile = parseKernel(i + 1, words);
            }
        }
        java.util.Set<ModuleName> declared = new java.util.HashSet<>();
        for (int i = 0; i < lines.length; i++) {
            int number = i + 1;
            // CR LF line ends (a file saved on Windows) are accepted: the CR is dropped.
            String line = lines[i].endsWith("\r") ? lines[i].substring(0, lines[i].length() - 1) : lines[i];
            if (line.startsWith("#")) {
                continue;
            }
            checkCharacters(number, line);
            if (line.isBlank()) {
                continue;
            }
            List<String> words = Arrays.asList(SPACES.split(line.trim()));
            switch (words.get(0)) {
                case "module" -> {
                    ModuleImage image = parseModule(number, words, profile);
                    declareOnce(number, image.name(), declared);
                    images.add(image);
                }
                case "builtin" -> {
                    BuiltinModule builtin = parseBuiltin(number, words);
                    declareOnce(number, builtin.name(), declared);
                    builtins.add(builtin);
                }
                case "kernel" -> {
                    // settled in the first pass
                }
                default -> commands.add(parseCommand(number, line));
            }
        }
        checkParameterDurations(images, commands);
        return new Scenario(profile, images, builtins, commands);
    }

    /**
     * A {@code load} that gives a duration parameter ({@code init=param:P} or {@code exit=param:P}) a value beyond
     * {@link #MAX_MILLIS}: refused on the load's line, as a literal duration is, so that virtual time cannot overflow.
     * Words are split as the simulated loader splits them; values that are not numbers count as 0 there and are let
     * through.
     */
    private static void checkParameterDurations(List<ModuleImage> images, List<Command> commands)
            throws ScenarioSyntaxException {
        Map<String, java.util.Set<String>> durationParams = new java.util.HashMap<>();
        for (ModuleImage image : images) {
            java.util.Set<String> names = new java.util.HashSet<>();
            image.init().flatMap(ModuleImage.Function::durationParameter).ifPresent(names::add);
            image.exit().flatMap(ModuleImage.Function::durationParameter).ifPresent(names::add);
            if (!names.isEmpty()) {
                durationParams.put(image.name().value(), names);
            }
        }
        for (Command c : commands) {
            if (c.verb() != Verb.LOAD || c.args().size() < 2 || !durationParams.containsKey(c.arg(0))) {
                continue;
            }
            for (String word : WHITESPACE.split(c.arg(1).trim())) {
                int eq = word.indexOf('=');
                if (eq < 0 || !durationParams.get(c.arg(0)).contains(word.substring(0, eq))) {
                    continue;
                }
                String value = word.substring(eq + 1);
                if (DIGITS.matcher(value).matches() && (value.length() > 13 || Long.parseLong(value) > MAX_MILLIS)) {
                    throw new ScenarioSyntaxException(c.line(), word.substring(0, eq) + "=" + value
                            + ": a duration of more than the " + MAX_MILLIS + " ms (about 31 years) a scenario may give");
                }
            }
        }
    }

    /**
     * Refuses control characters outside comments: a NUL (a binary file), a CR inside a line, an escape sequence. The
     * tab is let through, as before: it is an ordinary character of a word. Messages show such characters escaped
     * ({@link #visible}), so what is wrong can be seen.
     */
    private static void checkCharacters(int number, String line) throws ScenarioSyntaxException {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                String what = switch (c) {
                    case 0 -> "a NUL byte (is this a binary file?)";
                    case '\r' -> "a carriage return (CR) inside the line (only CR LF line ends are accepted)";
                    default -> "the control character " + visible(String.valueOf(c));
                };
                throw new ScenarioSyntaxException(number, what + " at column " + (i + 1));
            }
        }
    }

    /**
     * A word as messages quote it: printable ASCII and letters as they are, everything else (tabs, controls,
     * invisible or space-like characters such as a no-break space or a byte-order mark) as {@code \\t},
     * {@code \\xNN} or {@code \\u{XXXX}}, so a message about an "unknown command" shows what is really there.
     */
    static String visible(String word) {
        StringBuilder b = new StringBuilder();
        word.codePoints().forEach(cp -> {
            if (cp == '\t') {
                b.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f) {
                b.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || (Character.isLetterOrDigit(cp) && !Character.isIdentifierIgnorable(cp))) {
                b.appendCodePoint(cp);
            } else {
                b.append(String.format("\\u{%04X}", cp));
            }
        });
        return b.toString();
    }

    private static KernelProfile parseKernel(int line, List<String> words) throws ScenarioSyntaxException {
        if (words.size() != 2) {
            throw new ScenarioSyntaxException(line, "usage: kernel VERSION (for example: kernel 6.1.192)");
        }
        try {
            return KernelProfile.forRelease(words.get(1));
        } catch (NumberFormatException e) {
            throw new ScenarioSyntaxException(line, "kernel '" + visible(words.get(1))
                    + "': a version number is too large (expected e.g. 6.1.192)");
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, e.getMessage());
        }
    }

    private static Command parseCommand(int line, String text) throws ScenarioSyntaxException {
        String trimmed = text.trim();
        boolean background = false;
        String body = trimmed;
        if (body.startsWith("bg ")) {
            background = true;
            body = body.substring(3).trim();
        } else if (body.startsWith("bgload ") || body.startsWith("bgdel ")) {
            background = true;
            body = body.substring(2);
        }
        String[] head = SPACES.split(body, 2);
        Verb verb;
        try {
            verb = Verb.valueOf(head[0].toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, "unknown command '" + visible(head[0]) + "'");
        }
        if (!head[0].equals(head[0].toLowerCase(java.util.Locale.ROOT))) {
            throw new ScenarioSyntaxException(line, "unknown command '" + visible(head[0])
                    + "' (commands are lower case)");
        }
        if (background && (verb == Verb.WAIT || verb == Verb.SLEEP)) {
            throw new ScenarioSyntaxException(line, "'" + visible(head[0]) + "' cannot run in the background");
        }
        int[] arity = ARITY.get(verb);
        String rest = head.length > 1 ? head[1].trim() : "";
        List<String> args = new ArrayList<>();
        if (!rest.isEmpty()) {
            if (arity[1] == -1) {
                // The first word, then the rest of the line as one argument: load's parameters, write's text.
                String[] split = SPACES.split(rest, 2);
                for (String s : split) {
                    args.add(unquote(s));
                }
            } else {
                for (String s : SPACES.split(rest)) {
                    args.add(unquote(s));
                }
            }
        }
        if (args.size() < arity[0] || (arity[1] >= 0 && args.size() > arity[1])) {
            throw new ScenarioSyntaxException(line, usage(verb));
        }
        checkArguments(line, verb, args);
        return new Command(line, trimmed, background, verb, args);
    }

    private static void checkArguments(int line, Verb verb, List<String> args) throws ScenarioSyntaxException {
        try {
            switch (verb) {
                case DEL -> RemoveFlags.parse(args.get(1));
                case DELPTR -> {
                    parseAddress(args.get(0));
                    RemoveFlags.parse(args.get(1));
                }
                case OPEN, CLOSE, GET, PUT -> parseSlot(args.get(0));
                case CREATE -> parseBytes(args.get(1));
                case QUERY -> org.kmod4j.sim.QueryModuleResult.Which.valueOf(args.get(1));
                case SLEEP -> parseMillis(args.get(0));
                default -> {
                }
            }
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, e.getMessage() + " (" + usage(verb) + ")");
        }
    }

    /**
     * A C-syntax address for {@code delptr}: decimal, {@code 0x} hex or {@code 0} octal, unsigned 64-bit.
     *
     * @param text the address as written
     * @return the address
     * @throws IllegalArgumentException for a malformed address
     */
    public static long parseAddress(String text) {
        try {
            if (text.startsWith("0x") || text.startsWith("0X")) {
                return Long.parseUnsignedLong(text.substring(2), 16);
            }
            if (text.length() > 1 && text.startsWith("0")) {
                return Long.parseUnsignedLong(text.substring(1), 8);
            }
            return Long.parseUnsignedLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad address '" + text + "'");
        }
    }

    /**
     * A slot number, 0 to {@link #MAX_SLOT}.
     *
     * @param text the slot as written
     * @return the slot
     * @throws IllegalArgumentException for a malformed or out-of-range slot
     */
    public static int parseSlot(String text) {
        int slot;
        try {
            slot = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad slot '" + text + "'");
        }
        if (slot < 0 || slot > MAX_SLOT) {
            throw new IllegalArgumentException("slot " + slot + " out of range 0-" + MAX_SLOT);
        }
        return slot;
    }

    private static String usage(Verb verb) {
        return "usage: " + switch (verb) {
            case LOAD -> "load NAME [PARAMS]";
            case DEL -> "del NAME FLAGS";
            case DELPTR -> "delptr ADDR FLAGS";
            case OPEN -> "open SLOT PATH";
            case CLOSE -> "close SLOT";
            case CAT -> "cat PATH";
            case LS -> "ls DIR";
            case WRITE -> "write PATH TEXT";
            case DROPCAP -> "dropcap";
            case SLEEP -> "sleep MS";
            case WAIT -> "wait";
            case DMESG -> "dmesg";
            case GET -> "get SLOT NAME";
            case PUT -> "put SLOT";
            case CREATE -> "create NAME SIZE";
            case QUERY -> "query NAME|0 QM_MODULES|QM_DEPS|QM_REFS|QM_INFO";
        };
    }

    private static String unquote(String word) {
        return word.equals("\"\"") ? "" : word;
    }

    /**
     * A {@code module} line. {@code size@6.12=N} and {@code initsize@6.12=N} give the size a kernel series lays the
     * module out with when it differs from the plain {@code size}/{@code initsize} (the same source builds to other
     * sizes on 6.1 and 6.12: docs/scenario-format.md); the one for the profile's series wins, wherever it stands.
     */
    private static ModuleImage parseModule(int line, List<String> words, KernelProfile profile)
            throws ScenarioSyntaxException {
        if (words.size() < 2) {
            throw new ScenarioSyntaxException(line, "usage: module NAME [size=BYTES] [initsize=BYTES] ...");
        }
        ModuleImage.Builder b;
        try {
            b = ModuleImage.builder(words.get(1));
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, e.getMessage());
        }
        // A declaration lists the functions the module has: none unless named.
        b.init(null).exit(null);
        List<String> params = new ArrayList<>();
        Map<String, Long> seriesSizes = new java.util.HashMap<>();
        for (String word : words.subList(2, words.size())) {
            int eq = word.indexOf('=');
            String key = eq < 0 ? word : word.substring(0, eq);
            String value = eq < 0 ? null : word.substring(eq + 1);
            try {
                int at = key.indexOf('@');
                if (at >= 0) {
                    String base = key.substring(0, at);
                    String series = key.substring(at + 1);
                    if (!base.equals("size") && !base.equals("initsize")) {
                        throw new IllegalArgumentException("only size and initsize take @SERIES, not '" + key + "'");
                    }
                    if (!series.matches("[0-9]+\\.[0-9]+")) {
                        throw new IllegalArgumentException("'" + key + "': the series is MAJOR.MINOR, e.g. "
                                + base + "@6.12=8192");
                    }
                    long bytes = parseBytes(value);
                    if (series.equals(profile.series())) {
                        seriesSizes.put(base, bytes);
                    }
                    continue;
                }
                switch (key) {
                    case "size" -> b.coreSize(parseBytes(value));
                    case "initsize" -> b.initSize(parseBytes(value));
                    case "taint" -> b.taints(Taint.ofLetters(required(value, key)));
                    case "exports" -> b.exports(required(value, key).split(","));
                    case "uses" -> b.uses(required(value, key).split(","));
                    case "init" -> b.init(parseFunction(value, params));
                    case "exit" -> b.exit(parseFunction(value, params));
                    case "initret" -> b.initError(parseErrno(required(value, key)));
                    case "device" -> b.device(required(value, key));
                    case "autoclean" -> b.autoclean(true);
                    default -> throw new IllegalArgumentException("unknown module attribute '" + visible(key) + "'");
                }
            } catch (IllegalArgumentException e) {
                throw new ScenarioSyntaxException(line, e.getMessage());
            }
        }
        if (seriesSizes.containsKey("size")) {
            b.coreSize(seriesSizes.get("size"));
        }
        if (seriesSizes.containsKey("initsize")) {
            b.initSize(seriesSizes.get("initsize"));
        }
        b.parameters(params.toArray(new String[0]));
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, e.getMessage());
        }
    }

    private static ModuleImage.Function parseFunction(String value, List<String> params) {
        if (value == null) {
            return ModuleImage.Function.instant();
        }
        if (value.startsWith("param:")) {
            String param = value.substring("param:".length());
            if (param.isEmpty()) {
                throw new IllegalArgumentException("param: needs a parameter name");
            }
            if (!params.contains(param)) {
                params.add(param);
            }
            return ModuleImage.Function.takingParameter(param);
        }
        return ModuleImage.Function.taking(parseMillis(value));
    }

    /**
     * A duration in milliseconds: 0 to {@link #MAX_MILLIS}.
     *
     * @param value the duration as written
     * @return the milliseconds
     * @throws IllegalArgumentException for a malformed or out-of-range duration
     */
    public static long parseMillis(String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing number");
        }
        if (!INTEGER.matcher(value).matches()) {
            throw new IllegalArgumentException("not a number of milliseconds: '" + visible(value) + "'");
        }
        if (value.startsWith("-")) {
            throw new IllegalArgumentException("negative duration " + value);
        }
        if (value.length() > 13 || Long.parseLong(value) > MAX_MILLIS) {
            throw new IllegalArgumentException("duration " + value + " ms is more than the " + MAX_MILLIS
                    + " ms (about 31 years) a scenario may give");
        }
        return Long.parseLong(value);
    }

    private static Errno parseErrno(String value) {
        Errno e = Errno.ofName(value.startsWith("-") ? value.substring(1) : value);
        if (e == null) {
            throw new IllegalArgumentException("unknown errno '" + value + "'");
        }
        return e;
    }

    private static String required(String value, String key) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException(key + "= needs a value");
        }
        return value;
    }

    private static long parseBytes(String value) {
        if (value == null) {
            throw new IllegalArgumentException("missing number");
        }
        if (!INTEGER.matcher(value).matches()) {
            throw new IllegalArgumentException("not a number: '" + visible(value) + "'");
        }
        if (value.startsWith("-")) {
            throw new IllegalArgumentException("negative number " + value);
        }
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("number " + value + " is too large (at most " + Long.MAX_VALUE + ")");
        }
    }

    /**
     * {@code builtin NAME [params]}: a bare {@code params} says it has a {@code parameters/} directory;
     * {@code params=P1,P2} also names them.
     */
    private static BuiltinModule parseBuiltin(int line, List<String> words) throws ScenarioSyntaxException {
        if (words.size() < 2 || words.size() > 3) {
            throw new ScenarioSyntaxException(line, "usage: builtin NAME [params | params=P1,P2]");
        }
        boolean hasParameters = false;
        List<String> params = new ArrayList<>();
        if (words.size() == 3) {
            String word = words.get(2);
            if (word.equals("params")) {
                hasParameters = true;
            } else if (word.startsWith("params=") && word.length() > "params=".length()) {
                hasParameters = true;
                params.addAll(Arrays.asList(word.substring("params=".length()).split(",")));
            } else {
                throw new ScenarioSyntaxException(line, "unknown builtin attribute '" + visible(word) + "'");
            }
        }
        try {
            return new BuiltinModule(ModuleName.of(words.get(1)), hasParameters, params);
        } catch (IllegalArgumentException e) {
            throw new ScenarioSyntaxException(line, e.getMessage());
        }
    }

    private static void declareOnce(int line, ModuleName name, java.util.Set<ModuleName> declared)
            throws ScenarioSyntaxException {
        if (!declared.add(name)) {
            throw new ScenarioSyntaxException(line, name + " is already declared");
        }
    }
}
