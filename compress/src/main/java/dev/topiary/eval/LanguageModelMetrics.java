package dev.topiary.eval;

/**
 * How well a model predicts a text: mean next-token negative log-likelihood (nats) and its exponential.
 *
 * @param loss mean cross-entropy per predicted token
 * @param perplexity {@code exp(loss)}
 * @param tokens tokens predicted
 */
public record LanguageModelMetrics(double loss, double perplexity, long tokens) {

    public static LanguageModelMetrics ofLoss(double loss, long tokens) {
        return new LanguageModelMetrics(loss, Math.exp(loss), tokens);
    }

    @Override
    public String toString() {
        return String.format("loss %.4f, perplexity %.2f over %,d tokens", loss, perplexity, tokens);
    }
}
