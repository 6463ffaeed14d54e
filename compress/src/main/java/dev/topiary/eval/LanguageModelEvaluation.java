package dev.topiary.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.IndexedDataset;
import dev.topiary.llama.Llama;
import dev.topiary.train.LanguageModelLoss;

/**
 * Loss and perplexity of a model on a tokenized dataset, read in order: the token stream is cut into consecutive
 * windows of {@code sequenceLength + 1} tokens overlapping by one (as training packs it), and every token after the
 * first is predicted once from the tokens before it in its window.
 */
public final class LanguageModelEvaluation {

    private LanguageModelEvaluation() {}

    /**
     * Evaluates windows of {@code sequenceLength} predicted tokens, or one shorter window when the dataset is
     * shorter than one; the result's {@link LanguageModelMetrics#warning() warning} says so.
     *
     * @param maxTokens stop after about this many predicted tokens (0 for the whole dataset)
     * @throws TopiaryException when the dataset holds fewer than two tokens
     */
    public static LanguageModelMetrics evaluate(Llama model, IndexedDataset data, int sequenceLength, int batchSize,
            long maxTokens, Cancellation cancellation) {
        return evaluate(model, data, sequenceLength, batchSize, maxTokens, cancellation, (done, windows) -> { });
    }

    /** Hears how many windows are evaluated of how many: 0 before the first pass, then after each pass. */
    @FunctionalInterface
    public interface WindowProgress {
        void windowsDone(long done, long total);
    }

    /**
     * {@link #evaluate(Llama, IndexedDataset, int, int, long, Cancellation)} that tells {@code progress} the windows
     * evaluated so far of all it will evaluate, before the first forward pass and after each.
     */
    public static LanguageModelMetrics evaluate(Llama model, IndexedDataset data, int sequenceLength, int batchSize,
            long maxTokens, Cancellation cancellation, WindowProgress progress) {
        int length = windowLength(data, sequenceLength);
        long windows = windows(data, length, maxTokens);
        double nllSum = 0;
        long predicted = 0;
        progress.windowsDone(0, windows);
        for (long first = 0; first < windows; first += batchSize) {
            cancellation.check("evaluation");
            int rows = (int) Math.min(batchSize, windows - first);
            int[] inputs = new int[rows * length];
            int[] targets = new int[rows * length];
            for (int r = 0; r < rows; r++) {
                int[] window = data.tokens((first + r) * length, length + 1);
                System.arraycopy(window, 0, inputs, r * length, length);
                System.arraycopy(window, 1, targets, r * length, length);
            }
            nllSum += summedLoss(model, inputs, targets, rows, length);
            predicted += (long) rows * length;
            progress.windowsDone(first + rows, windows);
        }
        return withShortDataWarning(LanguageModelMetrics.ofLoss(nllSum / predicted, predicted), data, sequenceLength,
                length);
    }

    /**
     * The predicted tokens per window: {@code sequenceLength}, or fewer when the dataset is shorter than one window.
     *
     * @throws TopiaryException when the dataset holds fewer than two tokens
     */
    static int windowLength(IndexedDataset data, int sequenceLength) {
        long total = data.totalTokens();
        if (total < 2) {
            throw new TopiaryException("dataset " + data.prefix() + " holds " + total
                    + " tokens; evaluation needs at least two");
        }
        return (int) Math.min(sequenceLength, total - 1);
    }

    /** The windows of {@code length} predicted tokens evaluated, for about {@code maxTokens} of them (0: all). */
    static long windows(IndexedDataset data, int length, long maxTokens) {
        long windows = (data.totalTokens() - 1) / length;
        return maxTokens > 0 ? Math.max(1, Math.min(windows, maxTokens / length)) : windows;
    }

    /** {@code metrics}, with a warning when the windows came out shorter than {@code sequenceLength}. */
    static LanguageModelMetrics withShortDataWarning(LanguageModelMetrics metrics, IndexedDataset data,
            int sequenceLength, int length) {
        return length == sequenceLength ? metrics : metrics.withWarning("the dataset holds " + data.totalTokens()
                + " tokens, fewer than one sequence of " + sequenceLength + "+1; evaluated one sequence of " + length
                + " predicted tokens");
    }

    /** The summed next-token negative log-likelihood of a batch. */
    static double summedLoss(Llama model, int[] inputs, int[] targets, int rows, int length) {
        try (NDManager m = model.manager().newSubManager()) {
            Shape shape = new Shape(rows, length);
            NDArray logits = model.forward(m.create(inputs, shape));
            try (NDArray nll = LanguageModelLoss.perToken(logits, m.create(targets, shape))) {
                return nll.sum().getFloat();
            } finally {
                logits.close();
            }
        }
    }
}
