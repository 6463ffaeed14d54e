package dev.topiary.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.KvCache;
import dev.topiary.llama.Llama;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Held-out loss and next-sentence accuracy of a model decoding with early exit ({@link Llama#forwardExiting}): every
 * predicted token is decoded one at a time with a KV cache, leaving at the first off-ramp whose confidence reaches
 * the threshold, and the decoder layers each token ran are counted.
 */
public final class ExitingEvaluation {

    private ExitingEvaluation() {}

    /**
     * Loss of early-exit decoding, and what it cost.
     *
     * @param metrics next-token loss and perplexity over the predicted tokens
     * @param meanLayers decoder layers run per predicted token, on average
     * @param tokensPerSecond predicted tokens decoded per second of wall-clock time (logits read back included)
     */
    public record Loss(LanguageModelMetrics metrics, double meanLayers, double tokensPerSecond) {}

    /**
     * Multiple-choice accuracy of early-exit decoding.
     *
     * @param result accuracy over the items scored
     * @param meanLayers decoder layers run per scored choice token that followed another (the first follows the
     *     context, which runs every layer), on average
     */
    public record Choices(MultipleChoiceResult result, double meanLayers) {}

    /**
     * Early-exit loss on the windows {@link LanguageModelEvaluation} evaluates (consecutive windows of
     * {@code sequenceLength} predicted tokens, about {@code maxTokens} of them, 0 for all): each window decoded from
     * an empty cache, every token through {@link Llama#forwardExiting}. At threshold
     * {@link Double#POSITIVE_INFINITY} the loss is the full model's.
     *
     * @param progress hears the windows done of all, before the first and after each
     */
    public static Loss languageModel(Llama model, IndexedDataset data, int sequenceLength, long maxTokens,
            double threshold, Cancellation cancellation, LanguageModelEvaluation.WindowProgress progress) {
        int length = LanguageModelEvaluation.windowLength(data, sequenceLength);
        long windows = LanguageModelEvaluation.windows(data, length, maxTokens);
        double nllSum = 0;
        long layers = 0;
        long nanos = 0;
        progress.windowsDone(0, windows);
        for (long w = 0; w < windows; w++) {
            cancellation.check("early-exit evaluation");
            int[] window = data.tokens(w * length, length + 1);
            long start = System.nanoTime();
            try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache()) {
                for (int t = 0; t < length; t++) {
                    Llama.ExitStep step = model.forwardExiting(m.create(new int[] {window[t]}, new Shape(1, 1)),
                            cache, threshold);
                    nllSum -= logProbability(step.logits().toFloatArray(), window[t + 1]);
                    step.logits().close();
                    layers += step.layersRun();
                }
            }
            nanos += System.nanoTime() - start;
            progress.windowsDone(w + 1, windows);
        }
        long predicted = windows * length;
        LanguageModelMetrics metrics = LanguageModelEvaluation.withShortDataWarning(
                LanguageModelMetrics.ofLoss(nllSum / predicted, predicted), data, sequenceLength, length);
        return new Loss(metrics, layers / (double) predicted, predicted / (nanos / 1e9));
    }

    /**
     * Accuracy on {@code task} when each choice's tokens after its first are predicted by early-exit decoding (the
     * context runs every layer, as a prompt does, and predicts the first). Items are scored as
     * {@link MultipleChoiceScorer} scores them, one sequence at a time, so at threshold
     * {@link Double#POSITIVE_INFINITY} the accuracy is the full model's.
     *
     * @param scored hears the count of items scored after each
     */
    public static Choices multipleChoice(Llama model, Tokenizer tokenizer, MultipleChoiceTask task, double threshold,
            Cancellation cancellation, IntConsumer scored) {
        int right = 0;
        int rightNormalized = 0;
        long layers = 0;
        long exitingTokens = 0;
        List<MultipleChoiceItem> items = task.items();
        for (int i = 0; i < items.size(); i++) {
            cancellation.check("early-exit multiple-choice evaluation");
            MultipleChoiceItem item = items.get(i);
            int[] context = tokenizer.encode(item.context());
            double[] scores = new double[item.choices().size()];
            for (int c = 0; c < scores.length; c++) {
                int[] choice = tokenizer.encodeWithoutSpecialTokens(item.choices().get(c));
                try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache()) {
                    NDArray contextLogits = model.forward(m.create(context, new Shape(1, context.length)), cache);
                    scores[c] = logProbability(contextLogits.get(new NDIndex(0, context.length - 1)).toFloatArray(),
                            choice[0]);
                    for (int t = 0; t + 1 < choice.length; t++) {
                        Llama.ExitStep step = model.forwardExiting(m.create(new int[] {choice[t]}, new Shape(1, 1)),
                                cache, threshold);
                        scores[c] += logProbability(step.logits().toFloatArray(), choice[t + 1]);
                        layers += step.layersRun();
                        exitingTokens++;
                    }
                }
            }
            int[] chosen = MultipleChoiceScorer.chosen(item, scores);
            right += chosen[0] == item.answer() ? 1 : 0;
            rightNormalized += chosen[1] == item.answer() ? 1 : 0;
            scored.accept(i + 1);
        }
        int n = items.size();
        return new Choices(new MultipleChoiceResult(task.name(), right / (double) n, rightNormalized / (double) n, n),
                exitingTokens == 0 ? Double.NaN : layers / (double) exitingTokens);
    }

    // log softmax(logits)[target], in double.
    private static double logProbability(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[target] - max - Math.log(sum);
    }
}
