package dev.topiary.kernel;

import java.nio.file.Path;
import java.util.UUID;

/**
 * What cells call to show things: imported statically in every session, so a cell writes {@code display(plan)},
 * {@code updateDisplay(id, newValue)} or {@code clearOutput()}. Values are rendered as a cell's last expression is.
 * The helpers are static so that cells can call them unqualified; they act on the cell that the calling thread
 * works for (see {@link NotebookCell}): the cell's own thread, or a thread the cell started.
 */
public final class Notebook {

    private Notebook() {}

    /**
     * Shows {@code value} in the running cell's output and returns the display id through which
     * {@link #updateDisplay} can replace it later.
     */
    public static String display(Object value) {
        String id = "display-" + UUID.randomUUID();
        NotebookCell cell = NotebookCell.current();
        cell.output().display(cell.renderer().render(value), id);
        return id;
    }

    /** Replaces what {@link #display} showed under {@code displayId} with {@code value}. */
    public static void updateDisplay(String displayId, Object value) {
        if (displayId == null || displayId.isBlank()) {
            throw new IllegalArgumentException("updateDisplay needs the id that display(...) returned, got "
                    + (displayId == null ? "null" : "an empty string"));
        }
        NotebookCell cell = NotebookCell.current();
        cell.output().updateDisplay(cell.renderer().render(value), displayId);
    }

    /** Clears the running cell's output. */
    public static void clearOutput() {
        clearOutput(false);
    }

    /** Clears the running cell's output; with {@code wait}, when the next output arrives, so it does not flicker. */
    public static void clearOutput(boolean wait) {
        NotebookCell.current().output().clear(wait);
    }

    /**
     * The directory of the notebook being run, for files it writes beside itself (results, exported models): under
     * Jupyter the kernel's working directory, which is the notebook's; under {@code topiary run} the directory the
     * executed notebook is written to.
     */
    public static Path notebookDirectory() {
        NotebookCell cell = NotebookCell.currentOrNull();
        return cell != null ? cell.notebookDirectory() : Path.of("").toAbsolutePath();
    }
}
