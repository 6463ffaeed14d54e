package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingListener;
import dev.topiary.train.TrainingOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Layers sharing blocks of weights, checked against ordinary Llamas built by hand from the same numbers: a layer
 * that uses block b computes exactly as a layer holding a copy of block b's weights.
 */
class LayerSharingTest {

    /** hidden 32, FFN 96, 4 query heads in 2 KV groups of head_dim 8, vocabulary 50, tied embedding. */
    static LlamaConfig small(int layers) {
        return LlamaConfig.builder().setHiddenSize(32).setIntermediateSize(96).setNumAttentionHeads(4)
                .optNumKeyValueHeads(2).optHeadDim(8).setNumHiddenLayers(layers).setVocabSize(50)
                .optTieWordEmbeddings(true).optMaxPositionEmbeddings(64).build();
    }

    static final int[] IDS = {3, 17, 42, 8, 8, 29, 1, 49, 0, 12};

    @Test
    void patternsNameEachLayersBlock() {
        assertEquals(List.of(0, 1, 2, 0, 1, 2), LayerSharing.Pattern.CYCLE.layerBlocks(6, 3));
        assertEquals(List.of(0, 0, 1, 1, 2, 2), LayerSharing.Pattern.ADJACENT.layerBlocks(6, 3));
        assertEquals(List.of(0, 0, 0, 0), LayerSharing.Pattern.CYCLE.layerBlocks(4, 1));
        assertEquals(List.of(0, 1, 2, 3), LayerSharing.Pattern.ADJACENT.layerBlocks(4, 4));
        assertEquals(LayerSharing.Pattern.ADJACENT, LayerSharing.Pattern.of("adjacent"));
    }

    @Test
    void badSharingIsRefusedWithWhatToDo() {
        assertTrue(assertThrows(TopiaryException.class, () -> LayerSharing.Pattern.CYCLE.layerBlocks(4, 0))
                .getMessage().contains("between 1 and the number of layers (4)"));
        assertTrue(assertThrows(TopiaryException.class, () -> LayerSharing.Pattern.CYCLE.layerBlocks(4, 5))
                .getMessage().contains("between 1 and the number of layers (4)"));
        assertTrue(assertThrows(TopiaryException.class, () -> LayerSharing.Pattern.ADJACENT.layerBlocks(6, 4))
                .getMessage().contains("multiple of the blocks (4)"));
        assertEquals("unknown layer-sharing pattern 'pairs': expected one of cycle, adjacent",
                assertThrows(TopiaryException.class, () -> LayerSharing.Pattern.of("pairs")).getMessage());
    }

    @Test
    void configJsonCarriesLayerBlocksAndAbsenceMeansNoSharing() {
        LlamaConfig shared = small(4).toBuilder().optLayerBlocks(List.of(0, 1, 0, 1)).build();
        String json = shared.toJsonString();
        assertTrue(json.contains("\"layer_blocks\" : [ 0, 1, 0, 1 ]"), json);
        LlamaConfig read = LlamaConfig.fromJson(json, "test");
        assertEquals(shared, read);
        assertEquals(List.of(0, 1, 0, 1), read.layerBlocks());
        assertEquals(2, read.numBlocks());
        LlamaConfig plain = LlamaConfig.fromJson(small(4).toJsonString(), "test");
        assertNull(plain.layerBlocks());
        assertFalse(plain.sharesLayers());
        assertFalse(small(4).toJsonString().contains("layer_blocks"));
        assertEquals(small(4), shared.withoutLayerSharing());
    }

    @Test
    void malformedLayerBlocksAreRefusedNamingTheRule() {
        String base = small(4).toJsonString().replace("\"num_hidden_layers\"", "\"layer_blocks\" : %s,\n"
                + "  \"num_hidden_layers\"");
        assertTrue(assertThrows(TopiaryException.class, () -> LlamaConfig.fromJson(String.format(base, "[0, 1]"),
                "c.json")).getMessage().contains("names 2 blocks but num_hidden_layers is 4"));
        assertTrue(assertThrows(TopiaryException.class, () -> LlamaConfig.fromJson(String.format(base,
                "[1, 0, 1, 0]"), "c.json")).getMessage().contains("numbered from 0 in order of first use"));
        assertTrue(assertThrows(TopiaryException.class, () -> LlamaConfig.fromJson(String.format(base, "\"x\""),
                "c.json")).getMessage().contains("'layer_blocks' must be a list of integers"));
    }

    /**
     * Hidden 32, FFN 96, q 4 x 8, kv 2 x 8, vocabulary 50, tied: the embedding 50 x 32 = 1,600; a layer's two norms
     * 64, q and o 1,024 each, k and v 512 each, gate, up and down 3,072 each: 12,352; the final norm 32. Four layers
     * on two blocks hold 1,600 + 2 x 12,352 + 32 = 26,336 unique parameters; four of their own, 51,040.
     */
    @Test
    void uniqueParametersCountEachBlockOnce() {
        LlamaConfig shared = small(4).toBuilder().optLayerBlocks(List.of(0, 0, 1, 1)).build();
        assertEquals(26_336, LlamaLayout.parameterCount(shared));
        assertEquals(51_040, LlamaLayout.parameterCount(small(4)));
        assertEquals(1 + 2 * 9 + 1, LlamaLayout.shapes(shared).size());
        assertTrue(LlamaLayout.shapes(shared).containsKey(LlamaLayout.qProj(2)), "block 1 is stored as layer 2");
        assertFalse(LlamaLayout.shapes(shared).containsKey(LlamaLayout.qProj(1)));
        assertEquals(List.of(LlamaLayout.qProj(0), LlamaLayout.qProj(2)), LlamaLayout.linearWeights(shared).stream()
                .filter(n -> n.endsWith("q_proj.weight")).toList());
    }

    @Test
    void oneBlockPerLayerGivesTheUnsharedModelsLogitsExactly() {
        LlamaConfig config = small(3);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama plain = TestWeights.toModel(config, TestWeights.random(config, 7), m);
                Llama shared = LayerSharing.share(plain, LayerSharing.Pattern.CYCLE.layerBlocks(3, 3))) {
            assertEquals(List.of(0, 1, 2), shared.config().layerBlocks());
            assertEquals(plain.parameterCount(), shared.parameterCount());
            assertLogitsIdentical(plain.logits(IDS), shared.logits(IDS));
        }
    }

    @Test
    void sharedLayersComputeAsLayersHoldingCopiesOfTheirBlock() {
        for (LayerSharing.Pattern pattern : LayerSharing.Pattern.values()) {
            LlamaConfig config = small(4);
            // cycle: layers 0 1 2 3 use blocks from layers 0 1 0 1; adjacent: from layers 0 0 2 2
            IntUnaryOperator source = pattern == LayerSharing.Pattern.CYCLE ? l -> l % 2 : l -> l / 2 * 2;
            Map<String, float[]> weights = TestWeights.random(config, 11);
            try (NDManager m = Engines.engine().newBaseManager();
                    Llama plain = TestWeights.toModel(config, weights, m);
                    Llama shared = LayerSharing.share(plain, pattern.layerBlocks(4, 2));
                    Llama byHand = TestWeights.toModel(config, copiedLayers(weights, 4, source), m)) {
                assertEquals(1 + 2 * 9 + 1, shared.parameters().size(), pattern + ": one array per block tensor");
                assertLogitsIdentical(byHand.logits(IDS), shared.logits(IDS));
                try (Llama expanded = LayerSharing.expand(shared)) {
                    assertNull(expanded.config().layerBlocks());
                    assertEquals(config, expanded.config());
                    assertLogitsIdentical(byHand.logits(IDS), expanded.logits(IDS));
                }
            }
        }
    }

    /**
     * The gradient of a block two layers share is the sum of the gradients of the two layers of an ordinary model
     * whose layers hold copies of that block (autograd adds the contributions of both uses of one array).
     */
    @Test
    void aSharedBlocksGradientIsTheSumOverTheLayersThatUseIt() {
        LlamaConfig config = small(2);
        Map<String, float[]> weights = TestWeights.random(config, 5);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama plain = TestWeights.toModel(config, weights, m);
                Llama shared = LayerSharing.share(plain, List.of(0, 0));
                Llama copies = TestWeights.toModel(config, copiedLayers(weights, 2, l -> 0), m)) {
            Map<String, float[]> sharedGradients = gradients(shared);
            Map<String, float[]> copyGradients = gradients(copies);
            for (String kind : List.of("self_attn.q_proj.weight", "self_attn.k_proj.weight", "mlp.down_proj.weight",
                    "input_layernorm.weight")) {
                float[] first = copyGradients.get(LlamaLayout.layerPrefix(0) + kind);
                float[] second = copyGradients.get(LlamaLayout.layerPrefix(1) + kind);
                float[] sum = new float[first.length];
                double scale = 0;
                for (int i = 0; i < sum.length; i++) {
                    sum[i] = first[i] + second[i];
                    scale = Math.max(scale, Math.abs(sum[i]));
                }
                assertTrue(scale > 0, kind + " has a gradient");
                assertArrayEquals(sum, sharedGradients.get(LlamaLayout.layerPrefix(0) + kind), (float) (1e-4 * scale),
                        kind);
            }
            assertEquals(1 + 9 + 1, sharedGradients.size(), "one gradient per block tensor");
        }
    }

    /** One AdamW step moves the block; both layers compute with the moved values (an expansion by hand agrees). */
    @Test
    void aTrainingStepUpdatesEveryUseOfABlock() {
        LlamaConfig config = small(4);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama plain = TestWeights.toModel(config, TestWeights.random(config, 3), m);
                Llama shared = LayerSharing.share(plain, LayerSharing.Pattern.CYCLE.layerBlocks(4, 2))) {
            float[] before = shared.parameters().get(LlamaLayout.qProj(1)).toFloatArray();
            TrainingOptions options = TrainingOptions.of(new LearningRateSchedule(1e-2, 1e-2, 0, 1), 2, 8);
            try (Trainer trainer = new Trainer(shared, Objective.LANGUAGE_MODELING, options)) {
                trainer.train(index -> batch(index), TrainingListener.NONE, Cancellation.none());
            }
            Map<String, float[]> trained = new LinkedHashMap<>();
            shared.parameters().forEach((name, p) -> trained.put(name, p.toFloatArray()));
            assertFalse(java.util.Arrays.equals(before, trained.get(LlamaLayout.qProj(1))), "the step moved block 1");
            assertEquals(1 + 2 * 9 + 1, shared.parameters().size());
            try (Llama byHand = TestWeights.toModel(config, copiedLayers(trained, 4, l -> l % 2), m)) {
                assertLogitsIdentical(byHand.logits(IDS), shared.logits(IDS));
            }
        }
    }

    @Test
    void aModelThatSharesLayersIsNotSharedAgainNorPrunedByDepthOrWidth() {
        LlamaConfig config = small(4);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama plain = TestWeights.toModel(config, TestWeights.random(config, 2), m);
                Llama shared = LayerSharing.share(plain, List.of(0, 1, 0, 1))) {
            assertTrue(assertThrows(TopiaryException.class, () -> LayerSharing.share(shared, List.of(0, 0, 0, 0)))
                    .getMessage().startsWith("sharing layers treats each layer's weights as its own, but this"
                            + " model's 4 layers are sharing 2 blocks [0, 1, 0, 1]"));
            assertTrue(assertThrows(TopiaryException.class, () -> dev.topiary.prune.DepthPruner.drop(shared, 1))
                    .getMessage().startsWith("depth pruning treats each layer's weights as its own"));
        }
    }

    /** Weights of an ordinary model of {@code layers} layers whose layer l holds copies of layer source(l)'s. */
    private static Map<String, float[]> copiedLayers(Map<String, float[]> weights, int layers,
            IntUnaryOperator source) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (String name : List.of(LlamaLayout.EMBED_TOKENS, LlamaLayout.FINAL_NORM)) {
            out.put(name, weights.get(name).clone());
        }
        String[] kinds = {"input_layernorm.weight", "self_attn.q_proj.weight", "self_attn.k_proj.weight",
                "self_attn.v_proj.weight", "self_attn.o_proj.weight", "post_attention_layernorm.weight",
                "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight"};
        for (int l = 0; l < layers; l++) {
            for (String kind : kinds) {
                out.put("model.layers." + l + "." + kind, weights.get("model.layers." + source.applyAsInt(l) + "."
                        + kind).clone());
            }
        }
        return out;
    }

    /** The gradient of the mean next-token loss on {@link #IDS} for every parameter. */
    private static Map<String, float[]> gradients(Llama model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        model.parameters().values().forEach(p -> p.setRequiresGradient(true));
        try (NDManager m = model.manager().newSubManager();
                GradientCollector collector = Engines.engine().newGradientCollector()) {
            int[] inputs = java.util.Arrays.copyOf(IDS, IDS.length - 1);
            int[] targets = java.util.Arrays.copyOfRange(IDS, 1, IDS.length);
            Shape shape = new Shape(1, inputs.length);
            NDArray loss = LanguageModelLoss.mean(model.forward(m.create(inputs, shape)), m.create(targets, shape));
            collector.backward(loss);
            model.parameters().forEach((name, p) -> out.put(name, p.getGradient().toFloatArray()));
        }
        model.parameters().values().forEach(p -> p.setRequiresGradient(false));
        return out;
    }

    private static TokenBatch batch(long index) {
        Random random = new Random(index);
        int[] inputs = random.ints(2 * 8, 0, 50).toArray();
        int[] targets = random.ints(2 * 8, 0, 50).toArray();
        return new TokenBatch(inputs, targets, 2, 8);
    }

    private static void assertLogitsIdentical(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int t = 0; t < expected.length; t++) {
            assertArrayEquals(expected[t], actual[t], 0f, "position " + t);
        }
    }
}
