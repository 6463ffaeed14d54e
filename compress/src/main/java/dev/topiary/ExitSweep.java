package dev.topiary;

import dev.topiary.eval.ExitingEvaluation;
import dev.topiary.render.Html;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Early exit measured over a sweep of confidence thresholds ({@link Model#exitSweep}): at each, the decoder layers
 * run per token, the held-out loss, next-sentence accuracy and decoding speed, one row per threshold.
 *
 * @param layers the model's decoder layers
 * @param rows one per threshold, in the order asked
 */
public record ExitSweep(int layers, List<Row> rows) implements HtmlRenderable {

    /**
     * One threshold's measurements.
     *
     * @param threshold the confidence an off-ramp had to reach ({@link ExitingModel#NEVER}: the full model)
     * @param loss early-exit decoding on held-out data
     * @param nextSentence accuracy on the first items of the embedded next-sentence task, or null when not measured
     */
    public record Row(double threshold, ExitingEvaluation.Loss loss, ExitingEvaluation.Choices nextSentence) {}

    public ExitSweep {
        rows = List.copyOf(rows);
    }

    /**
     * Measures {@code model} at each threshold on up to {@code maxTokens} predicted tokens of {@code data}, and on
     * the first {@code nextSentenceItems} items of the embedded next-sentence task (0: none).
     */
    static ExitSweep measure(Model model, Corpus data, long maxTokens, int nextSentenceItems, double... thresholds) {
        if (thresholds.length == 0) {
            throw new TopiaryException("an exit sweep needs at least one threshold");
        }
        List<Row> rows = new ArrayList<>();
        for (double threshold : thresholds) {
            ExitingModel exiting = model.exiting(threshold);
            rows.add(new Row(threshold, exiting.loss(data, maxTokens),
                    nextSentenceItems > 0 ? exiting.nextSentence(nextSentenceItems) : null));
        }
        return new ExitSweep(model.config().numHiddenLayers(), rows);
    }

    /** Mean decoder layers run per token, row by row: a chart's x axis. */
    public double[] meanLayers() {
        return rows.stream().mapToDouble(r -> r.loss().meanLayers()).toArray();
    }

    /** Held-out loss, row by row. */
    public double[] losses() {
        return rows.stream().mapToDouble(r -> r.loss().metrics().loss()).toArray();
    }

    /** Next-sentence accuracy, row by row (NaN where not measured). */
    public double[] nextSentenceAccuracies() {
        return rows.stream().mapToDouble(r -> r.nextSentence() == null ? Double.NaN
                : r.nextSentence().result().accuracy()).toArray();
    }

    /** Decoded tokens per second, row by row. */
    public double[] tokensPerSecond() {
        return rows.stream().mapToDouble(r -> r.loss().tokensPerSecond()).toArray();
    }

    private List<List<?>> cells() {
        List<List<?>> cells = new ArrayList<>();
        for (Row r : rows) {
            cells.add(List.of(ExitingModel.describe(r.threshold()),
                    String.format(Locale.ROOT, "%.2f / %d", r.loss().meanLayers(), layers),
                    String.format(Locale.ROOT, "%.4f", r.loss().metrics().loss()),
                    String.format(Locale.ROOT, "%.1f", r.loss().metrics().perplexity()),
                    r.nextSentence() == null ? "-"
                            : String.format(Locale.ROOT, "%.3f (%d items)", r.nextSentence().result().accuracy(),
                                    r.nextSentence().result().items()),
                    String.format(Locale.ROOT, "%.1f", r.loss().tokensPerSecond())));
        }
        return cells;
    }

    private static final List<String> HEADER = List.of("threshold", "layers per token", "held-out loss",
            "perplexity", "next-sentence accuracy", "decode tokens/s");

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.join(" | ", HEADER));
        for (List<?> row : cells()) {
            s.append('\n').append(String.join(" | ", row.stream().map(Object::toString).toList()));
        }
        return s.toString();
    }

    @Override
    public String toHtml() {
        return Html.section("early exit over thresholds", Html.table(HEADER, cells()));
    }
}
