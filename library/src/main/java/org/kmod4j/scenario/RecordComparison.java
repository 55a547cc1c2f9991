package org.kmod4j.scenario;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Compares two runs of a scenario as docs/scenario-format.md says: drop what comes before the first record, replace
 * every {@code 0x<hex>} by {@code 0xADDR}, sort the entries of {@code LS} records, and compare the records of each
 * line number, so background records may come out in another place.
 */
public final class RecordComparison {
    private static final Pattern RECORD_START = Pattern.compile("^(RESULT|CAT|LS) (\\d+) .*|^DONE$");
    private static final Pattern HEX = Pattern.compile("0x[0-9a-fA-F]+");

    private RecordComparison() {
    }

    /**
     * One line's verdict.
     *
     * @param line     the scenario line the records belong to
     * @param expected the expected run's records for it
     * @param actual   the actual run's records for it
     */
    public record LineResult(int line, List<String> expected, List<String> actual) {
        /** {@return whether both runs gave the same records} */
        public boolean matches() {
            return expected.equals(actual);
        }
    }

    /**
     * The verdict of a whole scenario.
     *
     * @param lines       the verdict of every line with records
     * @param doneMatches whether both runs end with the same {@code DONE} record
     */
    public record Result(List<LineResult> lines, boolean doneMatches) {
        /** {@return the number of verdicts: every line, plus {@code DONE}} */
        public int total() {
            return lines.size() + 1;
        }

        /** {@return the number of verdicts that match} */
        public int matched() {
            return (int) lines.stream().filter(LineResult::matches).count() + (doneMatches ? 1 : 0);
        }

        /** {@return whether every verdict matches} */
        public boolean allMatch() {
            return matched() == total();
        }

        /** {@return the lines that differ, as a readable report} */
        public String differences() {
            StringBuilder out = new StringBuilder();
            for (LineResult l : lines) {
                if (!l.matches()) {
                    out.append("line ").append(l.line()).append(":\n  expected: ").append(l.expected())
                            .append("\n  actual:   ").append(l.actual()).append('\n');
                }
            }
            if (!doneMatches) {
                out.append("DONE: present on one side only\n");
            }
            return out.toString();
        }
    }

    /**
     * Compares an expected run (the real kernel's) with an actual one (the simulator's).
     *
     * @param expected the expected run's records
     * @param actual   the actual run's records
     * @return the verdict
     */
    public static Result compare(String expected, String actual) {
        Map<Integer, List<String>> e = normalise(expected);
        Map<Integer, List<String>> a = normalise(actual);
        TreeSet<Integer> keys = new TreeSet<>(e.keySet());
        keys.addAll(a.keySet());
        keys.remove(DONE_KEY);
        List<LineResult> lines = new ArrayList<>();
        for (int k : keys) {
            lines.add(new LineResult(k, e.getOrDefault(k, List.of()), a.getOrDefault(k, List.of())));
        }
        return new Result(lines, Objects.equals(e.get(DONE_KEY), a.get(DONE_KEY)));
    }

    private static final int DONE_KEY = Integer.MAX_VALUE;

    /** The normalised records of a run, by line number ({@code DONE} under {@link Integer#MAX_VALUE}). */
    static Map<Integer, List<String>> normalise(String output) {
        Map<Integer, List<String>> records = new TreeMap<>();
        String[] lines = output.split("\n", -1);
        int i = 0;
        while (i < lines.length && !RECORD_START.matcher(lines[i]).matches()) {
            i++;
        }
        while (i < lines.length) {
            String line = lines[i];
            Matcher m = RECORD_START.matcher(line);
            if (!m.matches()) {
                i++;
                continue;
            }
            if (line.equals("DONE")) {
                records.computeIfAbsent(DONE_KEY, k -> new ArrayList<>()).add("DONE");
                i++;
                continue;
            }
            int number = Integer.parseInt(m.group(2));
            StringBuilder record = new StringBuilder(line);
            i++;
            if (line.startsWith("CAT ") && line.endsWith(" <<")) {
                // The file's bytes follow verbatim until a line ending in <<END.
                while (i < lines.length) {
                    record.append('\n').append(lines[i]);
                    if (lines[i++].endsWith("<<END")) {
                        break;
                    }
                }
            }
            String text = HEX.matcher(record).replaceAll("0xADDR");
            if (text.startsWith("LS ") && !text.contains(" -> ")) {
                text = sortListing(text);
            }
            records.computeIfAbsent(number, k -> new ArrayList<>()).add(text);
        }
        return records;
    }

    private static String sortListing(String record) {
        int colon = record.indexOf(": ");
        if (colon < 0) {
            return record;
        }
        String[] entries = record.substring(colon + 2).split(" ");
        Arrays.sort(entries);
        return record.substring(0, colon + 2) + String.join(" ", entries);
    }
}
