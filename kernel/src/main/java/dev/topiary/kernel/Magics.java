package dev.topiary.kernel;

import dev.topiary.kernel.magic.JShellCommandMagic;
import dev.topiary.kernel.magic.Magic;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a cell that may hold magics: a first line {@code %%name args} hands the whole cell to a cell magic;
 * otherwise the cell is cut into pieces, each line magic ({@code %name args}, or a JShell command such as
 * {@code /vars}) one piece and each run of Java lines another, run in order until one fails. The cell's value
 * is the last piece's. The magics are those of the session's libraries; a bare JShell command runs the
 * {@code %jshell} magic.
 */
final class Magics {

    private final JShellSession session;
    private final Map<String, Magic> magics = new LinkedHashMap<>();
    private final Map<String, KernelLibrary> definedBy = new LinkedHashMap<>();

    /** No magics until libraries {@link #add} theirs. */
    Magics(JShellSession session) {
        this.session = session;
    }

    /**
     * Adds {@code library}'s magics after those there are.
     *
     * @throws IllegalStateException when a magic of the same name is there already (then none is added)
     */
    void add(KernelLibrary library) {
        List<Magic> added = library.magics();
        for (Magic m : added) {
            KernelLibrary earlier = definedBy.get(m.name());
            if (earlier != null) {
                throw new IllegalStateException("%" + m.name() + " is defined by both " + earlier.getClass()
                        .getName() + " and " + library.getClass().getName() + "; leave one of them out of the"
                        + " class path");
            }
        }
        for (Magic m : added) {
            definedBy.put(m.name(), library);
            magics.put(m.name(), m);
        }
    }

    /** The magics, in their libraries' order. */
    List<Magic> all() {
        return List.copyOf(magics.values());
    }

    CellResult execute(String code, CellOutput output) {
        String stripped = code.stripLeading();
        if (stripped.startsWith("%%")) {
            int end = stripped.indexOf('\n');
            String header = end < 0 ? stripped.substring(2) : stripped.substring(2, end);
            String body = end < 0 ? "" : stripped.substring(end + 1);
            String[] nameAndArguments = header.trim().split("\\s+", 2);
            Magic magic = magics.get(nameAndArguments[0]);
            if (magic == null || !magic.isCellMagic()) {
                return unknown("%%" + nameAndArguments[0]);
            }
            return magic.run(nameAndArguments.length > 1 ? nameAndArguments[1] : "", body, session, output);
        }
        CellResult last = CellResult.ok(null);
        StringBuilder java = new StringBuilder();
        String[] lines = code.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (!isMagicLine(line)) {
                java.append(line).append('\n');
                continue;
            }
            if (!java.toString().isBlank()) {
                last = session.evaluate(java.toString(), output);
                if (!last.succeeded()) {
                    return last;
                }
            }
            java.setLength(0);
            last = runLine(line.strip(), output);
            if (!last.succeeded()) {
                return last;
            }
            // Blank lines in place of those already run, so an error's line number is still the cell's.
            java.append("\n".repeat(i + 1));
        }
        if (!java.toString().isBlank()) {
            last = session.evaluate(java.toString(), output);
        }
        return last;
    }

    private CellResult runLine(String line, CellOutput output) {
        String[] nameAndArguments = line.startsWith("/") ? new String[] {"jshell", line}
                : line.substring(1).split("\\s+", 2);
        Magic magic = magics.get(nameAndArguments[0]);
        if (magic == null) {
            return unknown("%" + nameAndArguments[0]);
        }
        return magic.run(nameAndArguments.length > 1 ? nameAndArguments[1] : "", null, session, output);
    }

    private CellResult unknown(String name) {
        List<String> known = new ArrayList<>();
        magics.values().forEach(m -> {
            known.add("%" + m.name());
            if (m.isCellMagic()) {
                known.add("%%" + m.name());
            }
        });
        return CellResult.failed("UnknownMagic", name + " is not a magic; known: " + String.join(", ", known)
                + ", and the JShell commands " + String.join(", ", JShellCommandMagic.COMMANDS));
    }

    /** A line magic or a JShell command: {@code %name ...} or {@code /command ...} at the start of a line. */
    static boolean isMagicLine(String line) {
        String s = line.strip();
        if (s.startsWith("%") && s.length() > 1 && Character.isLetter(s.charAt(1))) {
            return true;
        }
        return s.startsWith("/") && JShellCommandMagic.knows(s.split("\\s+")[0]);
    }

    /** The cell without its magic lines, for the completeness check of the Java that remains. */
    static String javaLines(String code) {
        if (code.stripLeading().startsWith("%%")) {
            int end = code.stripLeading().indexOf('\n');
            return end < 0 ? "" : code.stripLeading().substring(end + 1);
        }
        StringBuilder java = new StringBuilder();
        for (String line : code.split("\n", -1)) {
            java.append(isMagicLine(line) ? "" : line).append('\n');
        }
        return java.toString();
    }

    /** Completions of a magic's name after {@code %} or {@code %%} at the start of a line; null elsewhere. */
    JShellSession.Completions complete(String code, int cursor) {
        int lineStart = code.lastIndexOf('\n', cursor - 1) + 1;
        String typed = code.substring(lineStart, cursor);
        if (!typed.matches("\\s*%%?\\w*")) {
            return null;
        }
        int percent = typed.lastIndexOf('%') + 1;
        String prefix = typed.substring(percent);
        boolean cell = typed.strip().startsWith("%%");
        List<String> matches = new ArrayList<>();
        for (Magic m : magics.values()) {
            if (m.name().startsWith(prefix) && (!cell || m.isCellMagic())) {
                matches.add(m.name());
            }
        }
        return new JShellSession.Completions(matches, lineStart + percent, cursor);
    }
}
