package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.JavaArrays;
import java.util.List;

/**
 * Log-likelihoods of continuations after contexts, as multiple-choice evaluation needs them, at the cost of a forward
 * pass over each context once and over each continuation once.
 *
 * <p>Two passes: the contexts, left-padded to the longest so that all of them end at the same position, fill a
 * {@link KvCache} and give the logits of their last position (which predict every continuation's first token); the
 * cache is then expanded to one row per continuation and the continuations (all tokens but their last), right-padded,
 * run after it. A per-row mask keeps every real position from seeing padding (a padding position sees only itself,
 * so nothing is undefined), and the LM head runs only at the positions whose next token is scored. Rotary embeddings
 * depend only on the distance between positions, so a left-padded context attends exactly as it does alone; the
 * results equal a full forward pass of each context followed by its continuation up to float rounding.
 */
public final class ContinuationScoring {

    /** Token id that fills padding; masked out everywhere, any id in the vocabulary would do. */
    private static final int PAD = 0;

    private ContinuationScoring() {}

    /**
     * For each context, the summed log-probability of each of its continuations' tokens after it (0 for an empty
     * continuation).
     *
     * @throws TopiaryException when a context is empty
     */
    public static double[][] logLikelihoods(Llama model, List<int[]> contexts, List<List<int[]>> continuations) {
        int items = contexts.size();
        int contextLength = 0;
        int rows = 0;
        int choiceSteps = 0;
        for (int i = 0; i < items; i++) {
            if (contexts.get(i).length == 0) {
                throw new TopiaryException("a context to score continuations after must hold at least one token");
            }
            contextLength = Math.max(contextLength, contexts.get(i).length);
            for (int[] continuation : continuations.get(i)) {
                choiceSteps = Math.max(choiceSteps, continuation.length - 1);
                rows++;
            }
        }
        double[][] result = new double[items][];
        if (rows == 0) {
            for (int i = 0; i < items; i++) {
                result[i] = new double[0];
            }
            return result;
        }
        // The contexts' pass, left-padded; position t of row i is real from pad[i] on.
        int[] pad = new int[items];
        int[] contextIds = new int[items * contextLength];
        float[] contextMask = new float[items * contextLength * contextLength];
        long[] lastPositions = new long[items];
        for (int i = 0; i < items; i++) {
            int[] context = contexts.get(i);
            pad[i] = contextLength - context.length;
            System.arraycopy(context, 0, contextIds, i * contextLength + pad[i], context.length);
            for (int t = 0; t < contextLength; t++) {
                int row = (i * contextLength + t) * contextLength;
                for (int k = 0; k < contextLength; k++) {
                    boolean visible = k == t || (k < t && k >= pad[i]);
                    contextMask[row + k] = visible ? 0 : Float.NEGATIVE_INFINITY;
                }
            }
            lastPositions[i] = (long) i * contextLength + contextLength - 1;
        }
        // One row per continuation: its item, the targets of its first token and of the rest.
        long[] itemOfRow = new long[rows];
        int[] firstTargets = new int[rows];
        int scoredLater = 0;
        int r = 0;
        for (int i = 0; i < items; i++) {
            for (int[] continuation : continuations.get(i)) {
                itemOfRow[r] = i;
                firstTargets[r] = continuation.length == 0 ? PAD : continuation[0];
                scoredLater += Math.max(0, continuation.length - 1);
                r++;
            }
        }
        int visible = contextLength + choiceSteps;
        int[] choiceIds = new int[rows * Math.max(choiceSteps, 1)];
        float[] choiceMask = new float[rows * choiceSteps * visible];
        long[] laterPositions = new long[scoredLater];
        int[] laterTargets = new int[scoredLater];
        r = 0;
        int n = 0;
        for (int i = 0; i < items; i++) {
            for (int[] continuation : continuations.get(i)) {
                for (int t = 0; t < continuation.length - 1; t++) {
                    choiceIds[r * choiceSteps + t] = continuation[t];
                    laterPositions[n] = (long) r * choiceSteps + t;
                    laterTargets[n++] = continuation[t + 1];
                }
                for (int t = 0; t < choiceSteps; t++) {
                    int row = (r * choiceSteps + t) * visible;
                    for (int k = 0; k < visible; k++) {
                        boolean seen = k < contextLength ? k >= pad[i] : k - contextLength <= t;
                        choiceMask[row + k] = seen ? 0 : Float.NEGATIVE_INFINITY;
                    }
                }
                r++;
            }
        }
        float[] first;
        float[] later = new float[0];
        try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            NDArray logits = model.forward(m.create(contextIds, new Shape(items, contextLength)), cache,
                    mask(model, m, contextMask, items, contextLength, contextLength), indices(model, m, lastPositions));
            NDArray rowIndex = indices(model, m, itemOfRow);
            first = logProbabilities(logits.logSoftmax(-1).get(new NDIndex("{}", rowIndex)), firstTargets, model, m);
            logits.close();
            if (choiceSteps > 0) {
                try (KvCache expanded = cache.selectRows(rowIndex)) {
                    NDArray choiceLogits = model.forward(m.create(choiceIds, new Shape(rows, choiceSteps)), expanded,
                            mask(model, m, choiceMask, rows, choiceSteps, visible), indices(model, m, laterPositions));
                    later = logProbabilities(choiceLogits.logSoftmax(-1), laterTargets, model, m);
                    choiceLogits.close();
                }
            }
        }
        r = 0;
        n = 0;
        for (int i = 0; i < items; i++) {
            List<int[]> own = continuations.get(i);
            result[i] = new double[own.size()];
            for (int c = 0; c < own.size(); c++, r++) {
                if (own.get(c).length == 0) {
                    continue;
                }
                // Summed in token order, as the straightforward computation sums its per-token losses.
                result[i][c] += first[r];
                for (int t = 1; t < own.get(c).length; t++) {
                    result[i][c] += later[n++];
                }
            }
        }
        return result;
    }

    /** {@code logProbabilities[j, targets[j]]} for every row j of {@code [N, V]} log-probabilities. */
    private static float[] logProbabilities(NDArray logProbabilities, int[] targets, Llama model, NDManager m) {
        NDArray index = m.create(targets, new Shape(targets.length, 1)).toType(DataType.INT64, false)
                .toDevice(model.device(), false);
        return logProbabilities.gather(index, -1).toFloatArray();
    }

    private static NDArray indices(Llama model, NDManager m, long[] values) {
        return m.create(values, new Shape(values.length)).toDevice(model.device(), false);
    }

    private static NDArray mask(Llama model, NDManager m, float[] values, int rows, int steps, int visible) {
        return JavaArrays.floats(m, values, new Shape(rows, 1, 1, steps, visible)).toType(model.dataType(), false)
                .toDevice(model.device(), false);
    }
}
