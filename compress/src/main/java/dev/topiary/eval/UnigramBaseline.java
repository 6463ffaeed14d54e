package dev.topiary.eval;

import dev.topiary.data.IndexedDataset;

/**
 * The perplexity a model that ignores context entirely would reach: token frequencies counted on the training
 * data (with add-one smoothing, so unseen tokens keep some probability), scored on the evaluation data. A language
 * model that does not beat it clearly has learned nothing beyond word frequencies.
 */
public final class UnigramBaseline {

    private UnigramBaseline() {}

    public static LanguageModelMetrics evaluate(IndexedDataset train, IndexedDataset evaluation, int vocabularySize) {
        long[] counts = new long[vocabularySize];
        forEachToken(train, token -> counts[token]++);
        double total = train.totalTokens() + (double) vocabularySize;
        double[] nll = {0};
        forEachToken(evaluation, token -> nll[0] -= Math.log((counts[token] + 1) / total));
        return LanguageModelMetrics.ofLoss(nll[0] / evaluation.totalTokens(), evaluation.totalTokens());
    }

    private interface TokenConsumer {
        void accept(int token);
    }

    private static void forEachToken(IndexedDataset data, TokenConsumer consumer) {
        int chunk = 1 << 16;
        for (long start = 0; start < data.totalTokens(); start += chunk) {
            for (int token : data.tokens(start, (int) Math.min(chunk, data.totalTokens() - start))) {
                consumer.accept(token);
            }
        }
    }
}
