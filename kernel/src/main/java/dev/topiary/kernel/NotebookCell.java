package dev.topiary.kernel;

import java.nio.file.Path;

/**
 * The notebook cell a thread works for, as {@link Notebook}'s static helpers and {@link LossCurve} find it: the
 * session binds it to each cell's thread before the cell's code runs, and threads that code starts inherit it
 * (as they inherit the cell's {@link dev.topiary.Monitor}). A binding per thread rather than one global session:
 * several sessions can live in one JVM (tests, embedded runs) and each cell still reaches its own output;
 * threads that no cell started (a pool created before the cell) have no cell and the helpers say so.
 *
 * @param output where the cell's output goes
 * @param renderer the session's renderer
 * @param notebookDirectory where the notebook lives, as the session had it when the cell began
 */
record NotebookCell(CellOutput output, Renderer renderer, Path notebookDirectory) {

    private static final InheritableThreadLocal<NotebookCell> CURRENT = new InheritableThreadLocal<>();

    /** Binds this cell to the calling thread (a cell's own thread, which ends with the cell). */
    void bindToThisThread() {
        CURRENT.set(this);
    }

    /** The cell the calling thread works for, or null outside any cell. */
    static NotebookCell currentOrNull() {
        return CURRENT.get();
    }

    /**
     * The cell the calling thread works for.
     *
     * @throws IllegalStateException outside a notebook cell
     */
    static NotebookCell current() {
        NotebookCell cell = CURRENT.get();
        if (cell == null) {
            throw new IllegalStateException("display, updateDisplay and clearOutput work inside a notebook cell only");
        }
        return cell;
    }
}
