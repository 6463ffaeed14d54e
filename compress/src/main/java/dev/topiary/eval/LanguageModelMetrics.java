package dev.topiary.eval;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * How well a model predicts a text: mean next-token negative log-likelihood (nats) and its exponential.
 *
 * @param loss mean cross-entropy per predicted token
 * @param perplexity {@code exp(loss)}
 * @param tokens tokens predicted
 * @param warning what about the measurement was not as asked (a dataset shorter than one sequence), in one line; null
 *     when nothing was (and then left out of JSON, so reports cached before it existed still match)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LanguageModelMetrics(double loss, double perplexity, long tokens, String warning) {

    /** Metrics of a measurement that went as asked. */
    public static LanguageModelMetrics ofLoss(double loss, long tokens) {
        return new LanguageModelMetrics(loss, Math.exp(loss), tokens, null);
    }

    /** These metrics with {@code warning} attached. */
    public LanguageModelMetrics withWarning(String warning) {
        return new LanguageModelMetrics(loss, perplexity, tokens, warning);
    }

    @Override
    public String toString() {
        return String.format("loss %.4f, perplexity %.2f over %,d tokens", loss, perplexity, tokens)
                + (warning == null ? "" : " (warning: " + warning + ")");
    }
}
