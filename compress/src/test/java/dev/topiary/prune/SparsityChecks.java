package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Checks of pruned weights done in plain Java, independent of the NDArray code under test. */
final class SparsityChecks {

    private SparsityChecks() {}

    /** A score function over (row, column, weight). */
    @FunctionalInterface
    interface Score {
        double of(int row, int column, float weight);
    }

    /**
     * Every pruned weight is either its original value or zero; within each group of {@code groupSize} consecutive
     * entries (a whole matrix, a row, or an N:M group, in row-major order) exactly {@code drop} are zero and every
     * kept one scores at least as high as every removed one.
     */
    static void assertPrunedByScore(float[] original, float[] pruned, int columns, int groupSize, int drop,
            Score score, String name) {
        assertEquals(original.length, pruned.length, name);
        for (int start = 0; start < original.length; start += groupSize) {
            int zeros = 0;
            double lowestKept = Double.POSITIVE_INFINITY;
            double highestRemoved = Double.NEGATIVE_INFINITY;
            for (int i = start; i < start + groupSize; i++) {
                double s = score.of(i / columns, i % columns, original[i]);
                if (pruned[i] == 0f) {
                    zeros++;
                    highestRemoved = Math.max(highestRemoved, s);
                } else {
                    assertEquals(original[i], pruned[i], name + " entry " + i + " changed");
                    lowestKept = Math.min(lowestKept, s);
                }
            }
            assertEquals(drop, zeros, name + ": zeros in the group at " + start);
            assertTrue(lowestKept >= highestRemoved, name + ": a removed weight outscores a kept one at " + start);
        }
    }

    /** Non-linear parameters (embeddings, norms, LM head) are unchanged. */
    static void assertDenseUnchanged(LlamaConfig config, Map<String, float[]> before, Map<String, float[]> after) {
        for (String name : LlamaLayout.shapes(config).keySet()) {
            if (!LlamaLayout.linearWeights(config).contains(name)) {
                assertArrayEquals(before.get(name), after.get(name), 0f, name);
            }
        }
    }

    /** Positive input-channel norms spread over two orders of magnitude, as Java arrays. */
    static Map<String, float[]> randomNorms(LlamaConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        Map<String, float[]> norms = new LinkedHashMap<>();
        for (String name : LlamaLayout.linearWeights(config)) {
            float[] n = new float[(int) shapes.get(name)[1]];
            for (int j = 0; j < n.length; j++) {
                n[j] = (float) Math.exp(1.2 * random.nextGaussian());
            }
            norms.put(name, n);
        }
        return norms;
    }

    static Map<String, NDArray> toArrays(Map<String, float[]> norms, NDManager manager) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        norms.forEach((name, n) -> arrays.put(name, manager.create(n)));
        return arrays;
    }
}
