package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Small seeded models as plain Java arrays (to edit in tests) and as Topiary models, and comparisons. */
final class TestModels {

    private TestModels() {}

    /** hidden 32, FFN 96, 4 query heads in 2 KV groups of head_dim 8, vocabulary 50. */
    static LlamaConfig small(int layers, boolean tied) {
        return LlamaConfig.builder().setHiddenSize(32).setIntermediateSize(96).setNumAttentionHeads(4)
                .optNumKeyValueHeads(2).optHeadDim(8).setNumHiddenLayers(layers).setVocabSize(50)
                .optTieWordEmbeddings(tied).optMaxPositionEmbeddings(64).build();
    }

    /** Linear weights N(0, 0.3) so logits are of order one; norm weights 1 + N(0, 0.2) so the norms matter. */
    static Map<String, float[]> randomWeights(LlamaConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LlamaLayout.shapes(config).entrySet()) {
            boolean norm = e.getValue().length == 1;
            float[] data = new float[Math.toIntExact(size(e.getValue()))];
            for (int i = 0; i < data.length; i++) {
                data[i] = (float) (norm ? 1 + 0.2 * random.nextGaussian() : 0.3 * random.nextGaussian());
            }
            weights.put(e.getKey(), data);
        }
        return weights;
    }

    /** A model holding copies of the given weights. */
    static Llama model(LlamaConfig config, Map<String, float[]> weights) {
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        try (NDManager staging = Engines.engine().newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            weights.forEach((name, data) -> tensors.put(name, staging.create(data.clone(), new Shape(shapes.get(name)))));
            return Llama.fromParameters(config, tensors, "test weights");
        }
    }

    /** The model's parameters as Java arrays. */
    static Map<String, float[]> snapshot(Llama model) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        model.parameters().forEach((name, t) -> copy.put(name, t.toFloatArray()));
        return copy;
    }

    /** A deep copy of weights, to edit. */
    static Map<String, float[]> copy(Map<String, float[]> weights) {
        Map<String, float[]> copy = new LinkedHashMap<>();
        weights.forEach((name, data) -> copy.put(name, data.clone()));
        return copy;
    }

    static void zeroRow(float[] w, long[] shape, int row) {
        int cols = (int) shape[1];
        Arrays.fill(w, row * cols, (row + 1) * cols, 0f);
    }

    static void zeroColumn(float[] w, long[] shape, int column) {
        int cols = (int) shape[1];
        for (int r = 0; r < shape[0]; r++) {
            w[r * cols + column] = 0f;
        }
    }

    static void assertSameParameters(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, data) -> assertArrayEquals(data, actual.get(name), 0f, name));
    }

    static void assertClose(float[][] expected, float[][] actual, double tolerance) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
            }
        }
        assertTrue(worst <= tolerance, "largest logit difference " + worst + " exceeds " + tolerance);
    }

    static long size(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }
}
