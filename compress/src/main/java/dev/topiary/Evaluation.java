package dev.topiary;

import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.eval.MultipleChoiceResult;
import dev.topiary.render.Html;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link Model#evaluate} measured.
 *
 * @param model the model's lineage in one line
 * @param parameters the model's parameter count
 * @param storedBytes bytes its weights take as stored
 * @param data the held-out tokens
 * @param metrics mean next-token loss and perplexity on them
 * @param nextSentence accuracy on the embedded next-sentence task, or null when not measured
 */
public record Evaluation(String model, long parameters, long storedBytes, Corpus data, LanguageModelMetrics metrics,
        MultipleChoiceResult nextSentence) implements HtmlRenderable {

    /** Tokens per window {@link Model#evaluate} scores. */
    public static final int WINDOW_LENGTH = 256;

    /** Windows per forward pass of {@link Model#evaluate}. */
    public static final int BATCH_SIZE = 8;

    public double loss() {
        return metrics.loss();
    }

    public double perplexity() {
        return metrics.perplexity();
    }

    /** Next-sentence accuracy, or NaN when not measured. */
    public double nextSentenceAccuracy() {
        return nextSentence == null ? Double.NaN : nextSentence.accuracy();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: loss %.4f, perplexity %.2f on %,d tokens of %s%s", model,
                metrics.loss(), metrics.perplexity(), metrics.tokens(), data,
                nextSentence == null ? "" : String.format(Locale.ROOT, ", next-sentence accuracy %.3f (%d items)",
                        nextSentence.accuracy(), nextSentence.items()))
                + (metrics.warning() == null ? "" : " (warning: " + metrics.warning() + ")");
    }

    @Override
    public String toHtml() {
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("model", model);
        rows.put("parameters", Html.count(parameters));
        rows.put("stored", Html.bytes(storedBytes));
        rows.put("data", data);
        rows.put("loss", String.format(Locale.ROOT, "%.4f", metrics.loss()));
        rows.put("perplexity", String.format(Locale.ROOT, "%.2f", metrics.perplexity()));
        rows.put("tokens", Html.count(metrics.tokens()));
        if (metrics.warning() != null) {
            rows.put("warning", metrics.warning());
        }
        if (nextSentence != null) {
            rows.put("next-sentence accuracy", String.format(Locale.ROOT, "%.3f of %d", nextSentence.accuracy(),
                    nextSentence.items()));
        }
        return Html.section("evaluation", Html.properties(rows));
    }
}
