package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.Snippet;

/**
 * A cell's error as the notebook shows it: the user's line first, then what went wrong, then the frames of the
 * user's own code and of the library it called, without the reflection, JShell and kernel frames underneath.
 * Only bold and red are used, so the text reads on light and dark themes alike.
 */
final class ErrorReport {

    private static final String BOLD_RED = "\u001b[1;31m";
    private static final String BOLD = "\u001b[1m";
    private static final String RESET = "\u001b[0m";

    /** Library frames shown below the cell's own, at most. */
    static final int LIBRARY_FRAMES = 8;

    /** Where a snippet sits: its cell's text and its offset in the cell. */
    /**
     * Where a snippet's code lives: its cell's text and the snippet's offset in it, the cell's number (null when
     * unnumbered), and whether it is the cell now running.
     */
    record Location(String cell, int offset, Integer number, boolean current) {

        /** "cell line 3" in the running cell, "cell [2] line 3" in an earlier one. */
        String line(int line) {
            return current ? "cell line " + line
                    : number != null ? "cell [" + number + "] line " + line : "an earlier cell's line " + line;
        }
    }

    private ErrorReport() {}

    static CellResult.Error compileError(String cell, int offset, String source, List<Diag> diagnostics) {
        List<String> lines = new ArrayList<>();
        String first = null;
        for (Diag d : diagnostics) {
            if (!d.isError()) {
                continue;
            }
            String message = d.getMessage(Locale.ROOT);
            if (first == null) {
                first = message;
            }
            int position = offset + (int) Math.max(0, Math.min(d.getStartPosition(), source.length()));
            int line = lineOf(cell, position);
            String text = lineText(cell, line);
            int column = position - lineStart(cell, line);
            lines.add(BOLD + "Cell line " + line + ": " + RESET + text);
            lines.add(" ".repeat(("Cell line " + line + ": ").length() + Math.max(0, column)) + "^");
            lines.add(BOLD_RED + "error: " + RESET + message);
        }
        if (first == null) {
            first = "the cell did not compile";
            lines.add(BOLD_RED + "error: " + RESET + first);
        }
        return new CellResult.Error("CompileError", first, lines);
    }

    /** The error's name in bold red, then its message. */
    static String headline(String name, String message) {
        return BOLD_RED + name + ": " + RESET + message;
    }

    static CellResult.Error unresolved(Snippet snippet) {
        String message = snippet.source().strip() + " refers to something not declared yet; declare it, then run"
                + " this cell again";
        return new CellResult.Error("UnresolvedReference", message,
                List.of(BOLD_RED + "UnresolvedReference: " + RESET + message));
    }

    static CellResult.Error interrupted() {
        String message = new CellInterruptedException().getMessage();
        return new CellResult.Error("Interrupted", message, List.of(BOLD_RED + "Interrupted: " + RESET + message));
    }

    /**
     * A runtime exception: JShell's {@code exception} has its frames already mapped to snippets ({@code #id:line});
     * {@code raw}, the object the cell threw, gives the real class for the name.
     */
    static CellResult.Error exception(EvalException exception, Throwable raw,
            Function<String, Location> snippets) {
        String className = raw != null ? raw.getClass().getName() : exception.getExceptionClassName();
        String name = className.substring(className.lastIndexOf('.') + 1);
        String message = raw != null ? String.valueOf(raw.getMessage()) : String.valueOf(exception.getMessage());
        List<String> lines = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        String userLine = null;
        String callerLine = null;
        boolean failedInThisCell = false;
        int library = 0;
        for (StackTraceElement frame : exception.getStackTrace()) {
            String file = frame.getFileName();
            if (file != null && file.startsWith("#")) {
                Location where = snippets.apply(file.substring(1));
                if (where == null) {
                    frames.add("  at a cell (snippet " + file + ")");
                    continue;
                }
                int line = lineOf(where.cell(), where.offset()) + Math.max(0, frame.getLineNumber() - 1);
                String text = lineText(where.cell(), line).strip();
                String named = where.line(line);
                if (userLine == null) {
                    userLine = BOLD + Character.toUpperCase(named.charAt(0)) + named.substring(1) + ": " + RESET + text;
                    failedInThisCell = where.current();
                } else if (callerLine == null && !failedInThisCell && where.current()) {
                    // The failing code lives in an earlier cell; say where this cell called it.
                    callerLine = BOLD + "Called from " + named + ": " + RESET + text;
                }
                frames.add("  at " + named + ": " + text);
            } else if (isInternal(frame)) {
                continue;
            } else if (library++ < LIBRARY_FRAMES && userLine == null) {
                frames.add("  at " + frame);
            }
        }
        if (userLine != null) {
            lines.add(userLine);
        }
        if (callerLine != null) {
            lines.add(callerLine);
        }
        lines.add(BOLD_RED + name + ": " + RESET + message);
        lines.addAll(frames);
        for (Throwable cause = raw == null ? null : raw.getCause(); cause != null && cause != cause.getCause();
                cause = cause.getCause()) {
            lines.add("Caused by " + cause.getClass().getName() + ": " + cause.getMessage());
        }
        return new CellResult.Error(name, message, lines);
    }

    private static boolean isInternal(StackTraceElement frame) {
        String c = frame.getClassName();
        return c.startsWith("java.lang.reflect.") || c.startsWith("jdk.internal.") || c.startsWith("jdk.jshell.")
                || c.startsWith("dev.topiary.kernel.") || c.startsWith("java.lang.Thread");
    }

    /** The 1-based line of {@code position} in {@code text}. */
    static int lineOf(String text, int position) {
        int line = 1;
        for (int i = 0; i < Math.min(position, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
            }
        }
        return line;
    }

    private static int lineStart(String text, int line) {
        int start = 0;
        for (int l = 1; l < line; l++) {
            int next = text.indexOf('\n', start);
            if (next < 0) {
                return text.length();
            }
            start = next + 1;
        }
        return start;
    }

    private static String lineText(String text, int line) {
        int start = lineStart(text, line);
        int end = text.indexOf('\n', start);
        return text.substring(start, end < 0 ? text.length() : end);
    }
}
