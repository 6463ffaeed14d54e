package dev.topiary.kernel;

import dev.topiary.Progress;
import dev.topiary.ProgressListener;
import dev.topiary.render.Html;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * The DSL's progress as bars in the running cell: one output per task, replaced in place through its display id
 * at most every {@value #UPDATE_MILLIS} ms (and always at the end), with a plain-text line for consoles. A task
 * gets its bar at its first report after it has run {@value #SHOW_AFTER_MILLIS} ms, so quick work (a
 * {@code loss(...)}, a few steps) leaves no bar behind.
 */
final class ProgressBars implements ProgressListener {

    static final long UPDATE_MILLIS = 250;
    static final long SHOW_AFTER_MILLIS = 2000;

    private final CellOutput output;
    private final Map<String, Bar> bars = new HashMap<>();

    ProgressBars(CellOutput output) {
        this.output = output;
    }

    private static final class Bar {
        final String displayId = "progress-" + UUID.randomUUID();
        long lastUpdate;
        long lastDone;
        boolean shown;
        final long started = System.nanoTime();
    }

    @Override
    public synchronized void onProgress(Progress progress) {
        Bar bar = bars.get(progress.task());
        long now = System.nanoTime();
        if (bar == null || progress.done() < bar.lastDone) {
            // A task seen for the first time, or started again: a new bar, shown once the task has taken a while.
            bar = new Bar();
            bars.put(progress.task(), bar);
        }
        if (!bar.shown) {
            if (now - bar.started >= SHOW_AFTER_MILLIS * 1_000_000) {
                bar.shown = true;
                bar.lastUpdate = now;
                output.display(bundle(progress, (now - bar.started) / 1e9), bar.displayId);
            }
        } else if (progress.finished() || now - bar.lastUpdate >= UPDATE_MILLIS * 1_000_000) {
            bar.lastUpdate = now;
            output.updateDisplay(bundle(progress, (now - bar.started) / 1e9), bar.displayId);
        }
        bar.lastDone = progress.done();
        if (progress.finished()) {
            bars.remove(progress.task());
        }
    }

    /** The bar as HTML ({@code <progress>}, styled by the notebook's theme) and as a text line. */
    static MimeBundle bundle(Progress p, double seconds) {
        String count = p.total() > 0 ? String.format(Locale.ROOT, "%,d/%,d %s", p.done(), p.total(), p.unit())
                : String.format(Locale.ROOT, "%,d %s", p.done(), p.unit());
        String percent = p.total() > 0 ? String.format(Locale.ROOT, "%3.0f%%", 100 * p.fraction()) : "";
        String elapsed = String.format(Locale.ROOT, "%.1f s", seconds);
        String detail = p.detail().isEmpty() ? "" : " · " + p.detail();
        String text = String.format(Locale.ROOT, "%s %s %s %s%s%s", p.task(), textBar(p), percent, count,
                " · " + elapsed, detail).replaceAll(" +", " ");
        String value = p.total() > 0 ? String.format(Locale.ROOT, " value=\"%d\" max=\"%d\"", p.done(), p.total()) : "";
        String html = "<div class=\"topiary-progress\"" + (p.finished() ? " data-finished=\"true\"" : "") + ">"
                + "<span>" + Html.escape(p.task()) + "</span> "
                + "<progress style=\"width: 20em; vertical-align: middle\"" + value + "></progress> "
                + "<span>" + Html.escape(percent.trim() + " " + count + " · " + elapsed + detail) + "</span></div>";
        return MimeBundle.html(html, text);
    }

    private static String textBar(Progress p) {
        if (p.total() == 0) {
            return "";
        }
        int width = 20;
        int full = (int) Math.round(p.fraction() * width);
        return "[" + "#".repeat(full) + ".".repeat(width - full) + "]";
    }
}
