package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ContinuationScoringTest {

    /** Two layers, two query heads per KV group, an untied head: small, but every part of the real architecture. */
    private static final LlamaConfig SMALL = LlamaPresets.llama3(2, 64, 224, 4, 2, 16, 300, false).toBuilder()
            .optBosTokenId(299).optEosTokenIds(List.of(298)).optMaxPositionEmbeddings(256).build();

    /**
     * The straightforward computation: one full-sequence forward pass of the context followed by the continuation,
     * and the continuation's tokens' log-probabilities summed.
     */
    private static double reference(Llama model, int[] context, int[] continuation) {
        int[] sequence = new int[context.length + continuation.length - 1];
        System.arraycopy(context, 0, sequence, 0, context.length);
        System.arraycopy(continuation, 0, sequence, context.length, continuation.length - 1);
        float[][] logits = model.logits(sequence);
        double sum = 0;
        for (int t = 0; t < continuation.length; t++) {
            float[] row = logits[context.length - 1 + t];
            double max = Double.NEGATIVE_INFINITY;
            for (float x : row) {
                max = Math.max(max, x);
            }
            double z = 0;
            for (float x : row) {
                z += Math.exp(x - max);
            }
            sum += row[continuation[t]] - max - Math.log(z);
        }
        return sum;
    }

    /** Weights 8x Hugging Face's initialisation, so attention is sharp and padding that leaked in would show. */
    private static Llama sharpened(Llama model) {
        Map<String, NDArray> scaled = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> {
            if (t.getShape().dimension() == 2) {
                scaled.put(name, t.mul(8));
            }
        });
        return model.withParameters(scaled);
    }

    private static int[] tokens(Random random, int length, int vocab) {
        return random.ints(length, 0, vocab - 2).toArray();
    }

    @Test
    void batchedScoresEqualAFullForwardPassOfEachContextAndContinuation() {
        Random random = new Random(5);
        try (Llama random0 = Llama.random(SMALL, 11, Device.cpu(), DataType.FLOAT32)) {
            Llama model = sharpened(random0);
            int vocab = SMALL.vocabSize();
            // Contexts of 1 (begin-of-text alone), 2, 5, 7 and 13 tokens; continuations of 1 to 6 tokens, 1 to 9 each,
            // more rows in all than one continuation pass holds.
            int[] contextLengths = {1, 5, 13, 2, 7};
            int[][] continuationLengths = {{1, 3, 6, 2}, {4, 1}, {2, 2, 5}, {1}, {3, 1, 4, 1, 5, 2, 6, 2, 3}};
            List<int[]> contexts = new ArrayList<>();
            List<List<int[]>> continuations = new ArrayList<>();
            for (int i = 0; i < contextLengths.length; i++) {
                int[] context = tokens(random, contextLengths[i], vocab);
                context[0] = SMALL.bosTokenId();
                contexts.add(context);
                List<int[]> own = new ArrayList<>();
                for (int length : continuationLengths[i]) {
                    own.add(tokens(random, length, vocab));
                }
                continuations.add(own);
            }
            assertTrue(Arrays.stream(continuationLengths).mapToInt(c -> c.length).sum()
                    > ContinuationScoring.ROWS_PER_PASS);
            double[][] batched = ContinuationScoring.logLikelihoods(model, contexts, continuations);
            double spread = 0;
            for (int i = 0; i < contexts.size(); i++) {
                assertEquals(continuations.get(i).size(), batched[i].length);
                double[] alone = ContinuationScoring.logLikelihoods(model, List.of(contexts.get(i)),
                        List.of(continuations.get(i)))[0];
                for (int c = 0; c < batched[i].length; c++) {
                    double expected = reference(model, contexts.get(i), continuations.get(i).get(c));
                    String where = "context " + i + " (" + contexts.get(i).length + " tokens), continuation " + c
                            + " (" + continuations.get(i).get(c).length + " tokens)";
                    assertEquals(expected, batched[i][c], 1e-4 * Math.max(1, Math.abs(expected)), where + ", batched");
                    assertEquals(expected, alone[c], 1e-4 * Math.max(1, Math.abs(expected)), where + ", alone");
                    // Per token, not only the sum: the mean log-probability is far from uniform's.
                    spread = Math.max(spread,
                            Math.abs(expected / continuations.get(i).get(c).length + Math.log(vocab)));
                }
            }
            assertTrue(spread > 0.5, "the sharpened model predicts far from uniformly: " + spread);
        }
    }

    @Test
    void anEmptyContinuationScoresZeroAndContextsWithoutContinuationsGiveEmptyRows() {
        try (Llama model = Llama.random(SMALL, 3, Device.cpu(), DataType.FLOAT32)) {
            int[] context = {SMALL.bosTokenId(), 7, 8};
            double[][] scores = ContinuationScoring.logLikelihoods(model, List.of(context, context),
                    List.of(List.of(new int[0], new int[] {5}), List.of()));
            assertEquals(0.0, scores[0][0]);
            assertEquals(reference(model, context, new int[] {5}), scores[0][1], 1e-4);
            assertEquals(0, scores[1].length);
        }
    }
}
