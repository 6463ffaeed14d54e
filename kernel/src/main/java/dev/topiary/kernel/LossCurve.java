package dev.topiary.kernel;

import dev.topiary.Monitor;
import dev.topiary.Progress;
import dev.topiary.ProgressListener;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * A live loss curve: training work runs while a chart of its loss per step grows in the cell, redrawn in place at
 * most every {@value #UPDATE_MILLIS} ms and once at the end. Every training task the work reports (a teacher
 * correction, then a distillation) is a line of its own. Imported statically in every session:
 *
 * <pre>{@code
 * Model student = withLossCurve("distillation", () -> pruned.distill(teacher, Distillation.steps(200)));
 * }</pre>
 *
 * <p>Progress bars, cancellation and the result are those of the work itself.
 */
public final class LossCurve implements ProgressListener {

    static final long UPDATE_MILLIS = 5000;

    private final String title;
    private final NotebookCell cell;
    private final ProgressListener forward;
    private final Map<String, List<double[]>> series = new LinkedHashMap<>();
    private final String displayId = "loss-curve-" + UUID.randomUUID();
    private boolean shown;
    private long lastDrawn;

    private LossCurve(String title, NotebookCell cell, ProgressListener forward) {
        this.title = title;
        this.cell = cell;
        this.forward = forward;
    }

    /**
     * Runs {@code work} in the running cell, drawing the loss of every training step it reports.
     *
     * @return what {@code work} returned
     * @throws IllegalStateException outside a notebook cell
     */
    public static <T> T withLossCurve(String title, Supplier<T> work) {
        NotebookCell cell = NotebookCell.current();
        Monitor outer = Monitor.current();
        LossCurve curve = new LossCurve(title, cell, outer.listener());
        try {
            return Monitor.run(new Monitor(curve, outer.cancellation()), work);
        } finally {
            curve.draw();
        }
    }

    @Override
    public synchronized void onProgress(Progress progress) {
        forward.onProgress(progress);
        if (!progress.hasLoss()) {
            return;
        }
        series.computeIfAbsent(progress.task(), t -> new ArrayList<>())
                .add(new double[] {progress.done(), progress.loss()});
        long now = System.nanoTime();
        if (!shown || progress.finished() || now - lastDrawn >= UPDATE_MILLIS * 1_000_000) {
            draw();
        }
    }

    /** The chart as it stands, shown the first time and replaced afterwards. */
    private synchronized void draw() {
        if (series.isEmpty()) {
            return;
        }
        lastDrawn = System.nanoTime();
        // The library first, as an output of its own: rendered into the figure, the first redraw would drop it.
        MimeBundle library = shown ? null : PlotlyLibrary.standalone(cell.renderer());
        if (library != null) {
            cell.output().display(library, null);
        }
        MimeBundle figure = cell.renderer().render(chart());
        MimeBundle withText = new MimeBundle(withPlain(figure.data(), summary()), figure.metadata());
        if (!shown) {
            cell.output().display(withText, displayId);
            shown = true;
        } else {
            cell.output().updateDisplay(withText, displayId);
        }
    }

    private Chart chart() {
        Map<String, double[][]> lines = new LinkedHashMap<>();
        series.forEach((task, points) -> {
            double[][] xy = new double[2][points.size()];
            for (int i = 0; i < points.size(); i++) {
                xy[0][i] = points.get(i)[0];
                xy[1][i] = points.get(i)[1];
            }
            lines.put(task, xy);
        });
        return Plot.line(title, "step", "loss", lines);
    }

    /** One line per task: where its loss started and where it is now. */
    private String summary() {
        StringBuilder s = new StringBuilder("loss curve '" + title + "'");
        series.forEach((task, points) -> s.append(String.format(Locale.ROOT, "; %s: step %d, loss %.4f -> %.4f",
                task, (long) points.get(points.size() - 1)[0], points.get(0)[1], points.get(points.size() - 1)[1])));
        return s.toString();
    }

    private static Map<String, Object> withPlain(Map<String, Object> data, String plain) {
        Map<String, Object> copy = new LinkedHashMap<>(data);
        copy.put(MimeBundle.PLAIN, plain);
        return copy;
    }
}
