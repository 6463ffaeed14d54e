package dev.topiary.kernel;

import java.util.List;

/**
 * How a cell ended.
 *
 * @param value what the cell's last expression shows, or null when it has none (statements, declarations)
 * @param error null when the cell succeeded
 */
public record CellResult(MimeBundle value, Error error) {

    /**
     * A failed cell: a compile error, an exception, an interrupt.
     *
     * @param name the exception's class (simple name) or "CompileError"
     * @param message its message
     * @param traceback the lines to show: the user's line first, then the exception and the cell's frames
     */
    public record Error(String name, String message, List<String> traceback) {

        public Error {
            traceback = List.copyOf(traceback);
        }
    }

    /** A cell that succeeded, showing {@code value} (null: nothing). */
    public static CellResult ok(MimeBundle value) {
        return new CellResult(value, null);
    }

    static CellResult failed(Error error) {
        return new CellResult(null, error);
    }

    /** A cell that failed with a one-line {@code message} (a bad magic argument, say). */
    public static CellResult failed(String name, String message) {
        return failed(new Error(name, message, List.of(ErrorReport.headline(name, message))));
    }

    public boolean succeeded() {
        return error == null;
    }
}
