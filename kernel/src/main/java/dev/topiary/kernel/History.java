package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** The cells run in this kernel session, for Jupyter's history requests. */
final class History {

    /** The session number this kernel reports: history lives as long as the kernel. */
    static final int SESSION = 1;

    /** One executed cell: its execution count, its code, and the plain text of its result (or null). */
    record Entry(int line, String input, String output) {}

    private final List<Entry> entries = new ArrayList<>();

    synchronized void add(int line, String input, String output) {
        entries.add(new Entry(line, input, output));
    }

    /** The last {@code n} entries. */
    synchronized List<Entry> tail(int n) {
        return List.copyOf(entries.subList(Math.max(0, entries.size() - Math.max(0, n)), entries.size()));
    }

    /** Entries with {@code start <= line < stop} ({@code stop <= 0}: to the end). */
    synchronized List<Entry> range(int start, int stop) {
        return entries.stream().filter(e -> e.line() >= start && (stop <= 0 || e.line() < stop)).toList();
    }

    /**
     * The last {@code n} entries whose input matches the glob {@code pattern} ({@code *} any text, {@code ?} one
     * character); with {@code unique}, each input once.
     */
    synchronized List<Entry> search(String pattern, int n, boolean unique) {
        Pattern glob = Pattern.compile(globToRegex(pattern), Pattern.DOTALL);
        List<Entry> matches = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = entries.size() - 1; i >= 0 && (n <= 0 || matches.size() < n); i--) {
            Entry e = entries.get(i);
            if (glob.matcher(e.input()).matches() && (!unique || seen.add(e.input()))) {
                matches.add(0, e);
            }
        }
        return matches;
    }

    private static String globToRegex(String glob) {
        StringBuilder regex = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> regex.append(".*");
                case '?' -> regex.append('.');
                default -> regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}
