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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The DJL forward pass against the independent double-precision {@link ReferenceLlama}. */
class LlamaForwardTest {

    private static final double TOLERANCE = 1e-4;
    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.engine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static Stream<Arguments> architectures() {
        return Stream.of(
                Arguments.of("multi-head, untied", config(16, 4, 4, 0, false, null)),
                Arguments.of("grouped-query, untied", config(16, 4, 2, 0, false, null)),
                Arguments.of("grouped-query, tied", config(16, 4, 1, 0, true, null)),
                Arguments.of("multi-head, llama3 rope scaling", config(16, 4, 4, 0, false, new RopeScaling(8, 1, 4, 16))),
                Arguments.of("grouped-query, llama3 scaling, tied", config(16, 4, 2, 0, true, new RopeScaling(4, 1, 2, 8))),
                Arguments.of("head_dim != hidden/heads (Minitron-4B-Width-like)", config(12, 4, 2, 6, false,
                        new RopeScaling(8, 1, 4, 16))));
    }

    static LlamaConfig config(int hidden, int heads, int kvHeads, int headDim, boolean tied, RopeScaling scaling) {
        return LlamaConfig.builder()
                .setHiddenSize(hidden).setIntermediateSize(hidden * 7 / 2).setNumAttentionHeads(heads)
                .optNumKeyValueHeads(kvHeads).optHeadDim(headDim).setNumHiddenLayers(2).setVocabSize(29)
                .optRopeTheta(50).optRopeScaling(scaling).optTieWordEmbeddings(tied).optMaxPositionEmbeddings(64)
                .build();
    }

    private static final int[] IDS = {5, 0, 28, 17, 3, 3, 12, 9, 22, 1, 6};

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void logitsMatchTheReferenceImplementation(String name, LlamaConfig config) {
        Map<String, float[]> weights = TestWeights.random(config, 7);
        double[][] expected = new ReferenceLlama(config, weights).logits(IDS);
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager())) {
            assertClose(expected, model.logits(IDS), name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void cachedDecodingMatchesTheFullForward(String name, LlamaConfig config) {
        Map<String, float[]> weights = TestWeights.random(config, 11);
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager());
                NDManager m = manager.newSubManager();
                KvCache cache = model.newCache()) {
            float[][] full = model.logits(IDS);
            // A prompt of four tokens in one step, then the rest one token at a time.
            float[][] cached = new float[IDS.length][];
            int prompt = 4;
            int[] head = java.util.Arrays.copyOf(IDS, prompt);
            float[] first = model.forward(m.create(head, new Shape(1, prompt)), cache).toFloatArray();
            int vocab = config.vocabSize();
            for (int t = 0; t < prompt; t++) {
                cached[t] = java.util.Arrays.copyOfRange(first, t * vocab, (t + 1) * vocab);
            }
            for (int t = prompt; t < IDS.length; t++) {
                assertEquals(t, cache.length());
                cached[t] = model.forward(m.create(new int[] {IDS[t]}, new Shape(1, 1)), cache).toFloatArray();
            }
            // One position at a time and the whole sequence at once reduce in different orders in fp32: up to
            // 1.1e-5 apart on logits near 1.5 on one AMD EPYC host, so the bound is 3e-5 relative to max(1, |logit|).
            for (int t = 0; t < IDS.length; t++) {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(full[t][v], cached[t][v], 3e-5 * Math.max(1, Math.abs(full[t][v])),
                            name + ": position " + t + ", token " + v);
                }
            }
        }
    }

    @Test
    void batchedSequencesGetTheirOwnLogits() {
        LlamaConfig config = config(16, 4, 2, 0, false, null);
        Map<String, float[]> weights = TestWeights.random(config, 3);
        ReferenceLlama reference = new ReferenceLlama(config, weights);
        int[] a = {1, 2, 3, 4};
        int[] b = {9, 8, 7, 6};
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager());
                NDManager m = manager.newSubManager()) {
            NDArray ids = m.create(new int[] {1, 2, 3, 4, 9, 8, 7, 6}, new Shape(2, 4));
            float[] flat = model.forward(ids).toFloatArray();
            double[][] ea = reference.logits(a);
            double[][] eb = reference.logits(b);
            int vocab = config.vocabSize();
            for (int t = 0; t < 4; t++) {
                for (int v = 0; v < vocab; v++) {
                    assertEquals(ea[t][v], flat[t * vocab + v], TOLERANCE);
                    assertEquals(eb[t][v], flat[(4 + t) * vocab + v], TOLERANCE);
                }
            }
        }
    }

    @Test
    void layerInputsCarriedLayerByLayerShowWhatTheFullPassShows() {
        LlamaConfig config = config(16, 4, 2, 0, false, null).toBuilder().setNumHiddenLayers(3).build();
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 4), manager.newSubManager());
                NDManager m = manager.newSubManager()) {
            List<NDArray> batches = List.of(m.create(IDS, new Shape(1, IDS.length)),
                    m.create(Arrays.copyOf(IDS, 10), new Shape(2, 5)));
            Map<String, float[]> full = new java.util.LinkedHashMap<>();
            for (int b = 0; b < batches.size(); b++) {
                int batch = b;
                model.forward(batches.get(b), (layer, site, a) -> full.put(batch + " " + layer + " " + site,
                        a.toFloatArray()), java.util.Set.of());
            }
            Map<String, float[]> carried = new java.util.LinkedHashMap<>();
            try (LayerInputs inputs = LayerInputs.embed(model, batches)) {
                for (int layer = 0; layer < 3; layer++) {
                    assertEquals(layer, inputs.layer());
                    int[] batch = {0};
                    // A pass that stops at the MLP's input shows nothing after it.
                    inputs.observe(model, (l, site, a) -> {
                        assertTrue(site.compareTo(ActivationObserver.Site.MLP_NORM) <= 0, site.toString());
                    }, ActivationObserver.Site.MLP_NORM);
                    inputs.observe(model, (l, site, a) -> {
                        carried.put(batch[0] + " " + l + " " + site, a.toFloatArray());
                        batch[0] += site == ActivationObserver.Site.LAYER_OUTPUT ? 1 : 0;
                    }, ActivationObserver.Site.LAYER_OUTPUT);
                    if (layer < 2) {
                        inputs.advance(model);
                    }
                }
                TopiaryException e = assertThrows(TopiaryException.class, () -> inputs.advance(model));
                assertTrue(e.getMessage().contains("layer 2 is the model's last"), e.getMessage());
            }
            assertEquals(new java.util.TreeSet<>(full.keySet()), new java.util.TreeSet<>(carried.keySet()));
            // Bit for bit: the same arithmetic, each layer's input computed once instead of from the ids every time.
            carried.forEach((key, values) -> assertArrayEquals(full.get(key), values, key));

            TopiaryException e = assertThrows(TopiaryException.class, () -> LayerInputs.embed(model, List.of()));
            assertTrue(e.getMessage().contains("at least one batch"), e.getMessage());
        }
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() {
        LlamaConfig config = config(16, 4, 2, 0, false, null);
        try (Llama model = TestWeights.toModel(config, TestWeights.random(config, 1), manager.newSubManager())) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> model.logits(new int[] {1, 29}));
            assertTrue(e.getMessage().contains("token id 29") && e.getMessage().contains("[0, 29)"), e.getMessage());
            assertThrows(TopiaryException.class, () -> model.logits(new int[] {-1}));
        }
    }

    @Test
    void aMissingOrMisshapenTensorIsNamed() {
        LlamaConfig config = config(16, 4, 2, 0, false, null);
        Map<String, float[]> weights = TestWeights.random(config, 1);
        weights.remove(LlamaLayout.upProj(1));
        TopiaryException missing = assertThrows(TopiaryException.class,
                () -> TestWeights.toModel(config, weights, manager.newSubManager()));
        assertTrue(missing.getMessage().contains("model.layers.1.mlp.up_proj.weight"), missing.getMessage());

        LlamaConfig wider = config.toBuilder().setIntermediateSize(64).build();
        Map<String, NDArray> tensors = new java.util.LinkedHashMap<>();
        TestWeights.random(config, 1).forEach((name, data) ->
                tensors.put(name, manager.create(data, new Shape(LlamaLayout.shapes(config).get(name)))));
        TopiaryException shape = assertThrows(TopiaryException.class,
                () -> Llama.fromParameters(wider, tensors, "test weights"));
        assertTrue(shape.getMessage().contains("model.layers.0.mlp.gate_proj.weight has shape [56, 16]")
                && shape.getMessage().contains("expects [64, 16]"), shape.getMessage());
    }

    @Test
    void eachLinearLayersInputPassesThroughLinearInputsOnce() {
        LlamaConfig config = config(16, 4, 2, 0, false, null);
        Map<String, float[]> weights = TestWeights.random(config, 5);
        // A smooth non-linear map at the four inputs (q/k/v, o, gate/up, down): put anywhere else, or applied twice,
        // it would move the logits far past the tolerance.
        java.util.List<Long> widths = new java.util.ArrayList<>();
        LinearInputs tanh = x -> {
            widths.add(x.getShape().get(2));
            return x.tanh();
        };
        double[][] expected = new ReferenceLlama(config, weights, v -> {
            double[] out = new double[v.length];
            for (int i = 0; i < v.length; i++) {
                out[i] = Math.tanh(v[i]);
            }
            return out;
        }).logits(IDS);
        try (Llama model = TestWeights.toModel(config, weights, manager.newSubManager(), tanh)) {
            assertClose(expected, model.logits(IDS), "tanh at every linear input");
            long hidden = config.hiddenSize();
            long heads = (long) config.numAttentionHeads() * config.headDim();
            long ffn = config.intermediateSize();
            assertEquals(java.util.List.of(hidden, heads, hidden, ffn, hidden, heads, hidden, ffn), widths);
            assertEquals(tanh, model.linearInputs());
            assertEquals(tanh, model.withParameters(Map.of()).linearInputs());
        }
    }

    private static void assertClose(double[][] expected, float[][] actual, String name) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
            }
        }
        assertTrue(worst <= TOLERANCE, name + ": largest logit difference " + worst + " exceeds " + TOLERANCE);
        // The logits must be of order one, or the tolerance would prove nothing.
        assertTrue(Math.abs(expected[expected.length - 1][0]) + Math.abs(expected[0][1]) > 0.05, name);
    }
}
