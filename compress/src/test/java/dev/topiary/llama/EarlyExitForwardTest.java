package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Early-exit off-ramps: the full-sequence ramp logits and exiting cached decoding, against independent truths. */
class EarlyExitForwardTest {

    private static final int[] IDS = {5, 0, 28, 17, 3, 3, 12, 9, 22, 1, 6};
    private static final int PROMPT = 4;
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.engine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    private static LlamaConfig withExits(int layers, List<Integer> exits) {
        return LlamaForwardTest.config(16, 4, 2, 0, false, new RopeScaling(8, 1, 4, 16)).toBuilder()
                .setNumHiddenLayers(layers).optExitLayers(exits).build();
    }

    @Test
    void aRampIsTheModelCutAfterItsLayerWithTheRampsNormAsFinalNorm() {
        LlamaConfig config = withExits(3, List.of(0, 1));
        Map<String, float[]> weights = TestWeights.random(config, 21);
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager());
                NDManager m = manager.newSubManager()) {
            List<NDArray> logits = model.exitLogits(m.create(IDS, new Shape(1, IDS.length)));
            assertEquals(3, logits.size());
            for (int r = 0; r < 2; r++) {
                int layer = config.exitLayers().get(r);
                LlamaConfig cut = config.toBuilder().setNumHiddenLayers(layer + 1).optExitLayers(List.of()).build();
                Map<String, float[]> cutWeights = new LinkedHashMap<>();
                LlamaLayout.shapes(cut).keySet().forEach(name -> cutWeights.put(name, weights.get(name)));
                cutWeights.put(LlamaLayout.FINAL_NORM, weights.get(LlamaLayout.exitNorm(layer)));
                assertClose(new ReferenceLlama(cut, cutWeights).logits(IDS), logits.get(r).toFloatArray(),
                        config.vocabSize(), 1e-4, "ramp after layer " + layer);
            }
            // The last entry is the plain forward pass, bit for bit.
            assertArrayEquals(model.forward(m.create(IDS, new Shape(1, IDS.length))).toFloatArray(),
                    logits.get(2).toFloatArray());
        }
    }

    @Test
    void neverExitingDecodesExactlyAsTheCachedForward() {
        LlamaConfig config = withExits(3, List.of(0, 1));
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 22), manager.newSubManager());
                NDManager m = manager.newSubManager();
                KvCache plain = model.newCache();
                KvCache exiting = model.newCache()) {
            float[][] full = model.logits(IDS);
            NDArray prompt = m.create(Arrays.copyOf(IDS, PROMPT), new Shape(1, PROMPT));
            model.forward(prompt, plain);
            model.forward(prompt, exiting);
            for (int t = PROMPT; t < IDS.length; t++) {
                NDArray token = m.create(new int[] {IDS[t]}, new Shape(1, 1));
                float[] expected = model.forward(token, plain).toFloatArray();
                Llama.ExitStep step = model.forwardExiting(token, exiting, Double.POSITIVE_INFINITY);
                assertEquals(3, step.layersRun());
                assertArrayEquals(expected, step.logits().toFloatArray(), "position " + t);
                for (int v = 0; v < expected.length; v++) {
                    assertEquals(full[t][v], expected[v], 3e-5 * Math.max(1, Math.abs(full[t][v])));
                }
            }
            assertEquals(IDS.length, exiting.length());
        }
    }

    @Test
    void thresholdZeroLeavesAtTheFirstRampEveryToken() {
        LlamaConfig config = withExits(3, List.of(1));
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 23), manager.newSubManager());
                NDManager m = manager.newSubManager();
                KvCache cache = model.newCache()) {
            float[] ramp = model.exitLogits(m.create(IDS, new Shape(1, IDS.length))).get(0).toFloatArray();
            int vocab = config.vocabSize();
            model.forward(m.create(Arrays.copyOf(IDS, PROMPT), new Shape(1, PROMPT)), cache);
            for (int t = PROMPT; t < IDS.length; t++) {
                Llama.ExitStep step = model.forwardExiting(m.create(new int[] {IDS[t]}, new Shape(1, 1)), cache, 0);
                assertEquals(2, step.layersRun());
                float[] actual = step.logits().toFloatArray();
                for (int v = 0; v < vocab; v++) {
                    float expected = ramp[t * vocab + v];
                    assertEquals(expected, actual[v], 3e-5 * Math.max(1, Math.abs(expected)), "position " + t);
                }
            }
        }
    }

    /**
     * The layer right after an exit takes the exit's hidden state as its input in the full model too, so with a ramp
     * before the last layer only, the propagated keys and values are the full model's: a token decoded in full after
     * tokens that exited sees what the full-sequence pass sees.
     */
    @Test
    void aSkippedLayersCacheHoldsTheExitStatesKeysAndValues() {
        LlamaConfig config = withExits(2, List.of(0));
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 24), manager.newSubManager());
                NDManager m = manager.newSubManager();
                KvCache cache = model.newCache()) {
            float[][] full = model.logits(IDS);
            model.forward(m.create(Arrays.copyOf(IDS, PROMPT), new Shape(1, PROMPT)), cache);
            for (int t = PROMPT; t < IDS.length; t++) {
                boolean last = t == IDS.length - 1;
                Llama.ExitStep step = model.forwardExiting(m.create(new int[] {IDS[t]}, new Shape(1, 1)), cache,
                        last ? Double.POSITIVE_INFINITY : 0);
                assertEquals(last ? 2 : 1, step.layersRun());
                if (last) {
                    float[] actual = step.logits().toFloatArray();
                    for (int v = 0; v < actual.length; v++) {
                        assertEquals(full[t][v], actual[v], 3e-5 * Math.max(1, Math.abs(full[t][v])));
                    }
                }
            }
        }
    }

    @Test
    void badThresholdsAndBatchesAreRefused() {
        LlamaConfig config = withExits(2, List.of(0));
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 25), manager.newSubManager());
                NDManager m = manager.newSubManager();
                KvCache cache = model.newCache()) {
            NDArray token = m.create(new int[] {1}, new Shape(1, 1));
            for (double bad : new double[] {Double.NaN, -0.1}) {
                TopiaryException e = assertThrows(TopiaryException.class,
                        () -> model.forwardExiting(token, cache, bad));
                assertTrue(e.getMessage().contains("exit threshold"), e.getMessage());
            }
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> model.forwardExiting(m.create(new int[] {1, 2}, new Shape(1, 2)), cache, 0.5));
            assertTrue(e.getMessage().contains("one token of one sequence"), e.getMessage());
            assertEquals(0, cache.length());
        }
    }

    private static void assertClose(double[][] expected, float[] actual, int vocab, double tolerance, String what) {
        for (int t = 0; t < expected.length; t++) {
            for (int v = 0; v < vocab; v++) {
                assertEquals(expected[t][v], actual[t * vocab + v], tolerance, what + ": position " + t);
            }
        }
    }
}
