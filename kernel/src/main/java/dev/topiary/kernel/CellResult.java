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

    static CellResult ok(MimeBundle value) {
        return new CellResult(value, null);
    }

    static CellResult failed(Error error) {
        return new CellResult(null, error);
    }

    public boolean succeeded() {
        return error == null;
    }
}
