package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.JavaArrays;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Log-likelihoods of continuations after contexts, as multiple-choice evaluation needs them, at the cost of a forward
 * pass over each context once and over each continuation once.
 *
 * <p>The contexts, left-padded to the longest so that all of them end at the same position, run in one forward pass
 * that fills a {@link KvCache} and gives the logits of their last position (which predict every continuation's first
 * token). The continuations (all tokens but their last) then run in passes of {@value #ROWS_PER_PASS} rows of
 * similar lengths, right-padded, each after the cache expanded to its rows' contexts. A per-row mask keeps every
 * real position from seeing padding (a padding position sees only itself, so nothing is undefined), and the LM head
 * runs only at the positions whose next token is scored. Rotary embeddings
 * depend only on the distance between positions, so a left-padded context attends exactly as it does alone; the
 * results equal a full forward pass of each context followed by its continuation up to float rounding.
 */
public final class ContinuationScoring {

    /** Continuations run together in one forward pass after their contexts, the shortest first. */
    static final int ROWS_PER_PASS = 16;

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
        for (int i = 0; i < items; i++) {
            if (contexts.get(i).length == 0) {
                throw new TopiaryException("a context to score continuations after must hold at least one token");
            }
            contextLength = Math.max(contextLength, contexts.get(i).length);
            rows += continuations.get(i).size();
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
        // One row per continuation: its item and the target of its first token.
        long[] itemOfRow = new long[rows];
        int[] padOfRow = new int[rows];
        int[] firstTargets = new int[rows];
        int[][] rowTokens = new int[rows][];
        int r = 0;
        for (int i = 0; i < items; i++) {
            for (int[] continuation : continuations.get(i)) {
                itemOfRow[r] = i;
                padOfRow[r] = pad[i];
                rowTokens[r] = continuation;
                firstTargets[r] = continuation.length == 0 ? PAD : continuation[0];
                r++;
            }
        }
        // The continuations' passes: rows of similar lengths together, whatever their items, so little is padding.
        Integer[] byLength = new Integer[rows];
        for (int j = 0; j < rows; j++) {
            byLength[j] = j;
        }
        Arrays.sort(byLength, Comparator.comparingInt(j -> rowTokens[j].length));
        float[] first;
        float[][] later = new float[rows][];
        try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            NDArray logits = model.forward(m.create(contextIds, new Shape(items, contextLength)), cache,
                    mask(model, m, contextMask, items, contextLength, contextLength), indices(model, m, lastPositions));
            first = logProbabilities(logits.logSoftmax(-1).get(new NDIndex("{}", indices(model, m, itemOfRow))),
                    firstTargets, model, m);
            logits.close();
            for (int from = 0; from < rows; from += ROWS_PER_PASS) {
                int[] chunk = new int[Math.min(ROWS_PER_PASS, rows - from)];
                for (int j = 0; j < chunk.length; j++) {
                    chunk[j] = byLength[from + j];
                }
                continuationPass(model, m, cache, chunk, rowTokens, itemOfRow, padOfRow, contextLength, later);
            }
        }
        r = 0;
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
                    result[i][c] += later[r][t - 1];
                }
            }
        }
        return result;
    }

    /**
     * One forward pass of the continuations of {@code chunk}'s rows but their last token, after their contexts'
     * keys and values; {@code later[row][t]} receives the log-probability of token t + 1 of the row's continuation.
     */
    private static void continuationPass(Llama model, NDManager m, KvCache contexts, int[] chunk, int[][] rowTokens,
            long[] itemOfRow, int[] padOfRow, int contextLength, float[][] later) {
        int steps = 0;
        int scored = 0;
        for (int row : chunk) {
            steps = Math.max(steps, rowTokens[row].length - 1);
            scored += Math.max(0, rowTokens[row].length - 1);
            later[row] = new float[Math.max(0, rowTokens[row].length - 1)];
        }
        if (steps == 0) {
            return;
        }
        int visible = contextLength + steps;
        int[] ids = new int[chunk.length * steps];
        float[] mask = new float[chunk.length * steps * visible];
        long[] items = new long[chunk.length];
        long[] positions = new long[scored];
        int[] targets = new int[scored];
        int n = 0;
        for (int j = 0; j < chunk.length; j++) {
            int[] continuation = rowTokens[chunk[j]];
            items[j] = itemOfRow[chunk[j]];
            for (int t = 0; t < continuation.length - 1; t++) {
                ids[j * steps + t] = continuation[t];
                positions[n] = (long) j * steps + t;
                targets[n++] = continuation[t + 1];
            }
            for (int t = 0; t < steps; t++) {
                int offset = (j * steps + t) * visible;
                for (int k = 0; k < visible; k++) {
                    boolean seen = k < contextLength ? k >= padOfRow[chunk[j]] : k - contextLength <= t;
                    mask[offset + k] = seen ? 0 : Float.NEGATIVE_INFINITY;
                }
            }
        }
        float[] logProbabilities;
        // A pass's arrays are freed when it ends: at a 128K vocabulary its logits alone take hundreds of MB.
        try (NDManager p = m.newSubManager(); KvCache expanded = contexts.selectRows(indices(model, p, items))) {
            NDArray logits = model.forward(p.create(ids, new Shape(chunk.length, steps)), expanded,
                    mask(model, p, mask, chunk.length, steps, visible), indices(model, p, positions));
            logProbabilities = logProbabilities(logits.logSoftmax(-1), targets, model, p);
        }
        n = 0;
        for (int row : chunk) {
            for (int t = 0; t < later[row].length; t++) {
                later[row][t] = logProbabilities[n++];
            }
        }
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
