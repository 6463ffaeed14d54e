package dev.topiary.kernel;

/**
 * Where a running cell's output goes: to Jupyter's IOPub channel in the kernel, into the notebook file in a
 * headless run. Implementations are thread-safe: threads a cell starts write too.
 */
public interface CellOutput {

    /** Text on {@code stdout} or {@code stderr}. */
    void stream(String name, String text);

    /**
     * Shows {@code bundle}; with a non-null {@code displayId} the output can later be replaced through
     * {@link #updateDisplay}.
     */
    void display(MimeBundle bundle, String displayId);

    /** Replaces every output shown with {@code displayId}, in whichever cell it is. */
    void updateDisplay(MimeBundle bundle, String displayId);

    /** Clears the cell's output; with {@code wait}, only when the next output arrives (no flicker). */
    void clear(boolean wait);
}
