package dev.topiary;

import java.util.function.Consumer;

/**
 * Told of the progress of long work. The one interface through which the DSL reports training, calibration and
 * evaluation: the notebook kernel renders it as a progress bar, the command line as lines of text.
 */
@FunctionalInterface
public interface ProgressListener {

    /** Ignores all progress. */
    ProgressListener SILENT = progress -> { };

    void onProgress(Progress progress);

    /**
     * Gives {@code out} a line when a task starts, at every tenth of its total, and when it finishes, so a log stays
     * short however many steps the work takes.
     */
    static ProgressListener lines(Consumer<String> out) {
        return progress -> {
            long total = progress.total();
            long every = Math.max(1, total / 10);
            if (progress.done() <= 1 || progress.finished() || progress.done() % every == 0) {
                out.accept(progress.toString());
            }
        };
    }
}
