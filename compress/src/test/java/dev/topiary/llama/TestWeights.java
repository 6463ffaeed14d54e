package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Seeded weights for small test models, as plain Java arrays and as NDArrays holding the same values. */
final class TestWeights {

    private TestWeights() {}

    /**
     * Every tensor the config implies, filled from a seeded {@link Random}: linear weights N(0, 0.5) so logits are
     * of order one, norm weights 1 + N(0, 0.2) so the norms matter.
     */
    static Map<String, float[]> random(LlamaConfig config, long seed) {
        Random random = new Random(seed);
        Map<String, float[]> weights = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : LlamaLayout.shapes(config).entrySet()) {
            long size = 1;
            for (long s : e.getValue()) {
                size *= s;
            }
            float[] data = new float[Math.toIntExact(size)];
            boolean norm = e.getValue().length == 1;
            for (int i = 0; i < data.length; i++) {
                data[i] = norm ? (float) (1 + 0.2 * random.nextGaussian()) : (float) (0.5 * random.nextGaussian());
            }
            weights.put(e.getKey(), data);
        }
        return weights;
    }

    /** The same weights as a Topiary model. */
    static Llama toModel(LlamaConfig config, Map<String, float[]> weights, NDManager manager) {
        return toModel(config, weights, manager, LinearInputs.EXACT);
    }

    /** The same weights as a Topiary model whose linear layers see their inputs through {@code linearInputs}. */
    static Llama toModel(LlamaConfig config, Map<String, float[]> weights, NDManager manager,
            LinearInputs linearInputs) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        weights.forEach((name, data) -> tensors.put(name, manager.create(data, new Shape(shapes.get(name)))));
        return Llama.fromParameters(config, tensors, "test weights", linearInputs);
    }
}
