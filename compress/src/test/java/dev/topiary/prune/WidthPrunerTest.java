package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Width pruning against an independent truth: the unpruned model with the removed units silenced (zeroed so they
 * cannot reach the output) must compute the same logits as the pruned model.
 *
 * <p>Hidden channels need one more step. A channel whose embedding column and whose o_proj and down_proj rows are
 * zero is zero in the residual stream everywhere, so it adds nothing to any sum of squares; but RMSNorm divides that
 * sum by the number of channels: with S the sum of squares of the d' live channels, the full model normalises by
 * {@code sqrt(S/d + eps)} and the pruned one by {@code sqrt(S/d' + eps)}. Since
 * {@code S/d + eps*d'/d = (d'/d) (S/d' + eps)}, the zeroed model computes exactly what the pruned one does when its
 * rms_norm_eps is {@code eps*d'/d} and every norm weight is multiplied by {@code sqrt(d'/d)}. The reference is built
 * that way; everything else in it is the source's weights.
 */
class WidthPrunerTest {

    private static final int[] IDS = {3, 17, 0, 49, 25, 8, 8, 41, 12, 30, 1};
    // The pruned model multiplies smaller matrices than the silenced reference, so its fp32 sums run in another
    // order: within 1e-5 on an AMD EPYC host, 1.3e-5 apart on an Intel Xeon one (AVX-512), on logits of order one.
    private static final double TOLERANCE = 3e-5;

    private static final int[] DROPPED_CHANNELS = {3, 17, 31};
    /** Kept query heads per layer: one of each KV group ({0,1} and {2,3}), different in each layer. */
    private static final int[][] KEPT_HEADS = {{1, 2}, {0, 3}};
    private static final int[][] DROPPED_NEURONS = {{0, 5, 50, 95}, {7, 8, 60, 61}};

    static Stream<Arguments> cases() {
        return Stream.of(false, true).flatMap(tied -> Stream.of(
                Arguments.of("hidden channels", tied, true, false, false),
                Arguments.of("heads", tied, false, true, false),
                Arguments.of("neurons", tied, false, false, true),
                Arguments.of("all at once", tied, true, true, true)));
    }

    @ParameterizedTest(name = "{0}, tied={1}")
    @MethodSource("cases")
    void prunedModelComputesWhatTheSilencedModelComputes(String name, boolean tied, boolean channels, boolean heads,
            boolean neurons) {
        LlamaConfig config = TestModels.small(2, tied);
        Map<String, float[]> weights = TestModels.randomWeights(config, 42);
        WidthSelection selection = WidthSelection.all(config);
        Map<String, float[]> silenced = TestModels.copy(weights);
        LlamaConfig reference = config;
        if (channels) {
            selection = selection.withHiddenChannels(complement(DROPPED_CHANNELS, config.hiddenSize()));
            reference = silenceChannels(config, silenced);
        }
        if (heads) {
            selection = selection.withHeads(KEPT_HEADS);
            silenceHeads(config, silenced);
        }
        if (neurons) {
            selection = selection.withNeurons(new int[][] {
                    complement(DROPPED_NEURONS[0], config.intermediateSize()),
                    complement(DROPPED_NEURONS[1], config.intermediateSize())});
            silenceNeurons(config, silenced);
        }
        try (Llama source = TestModels.model(config, weights);
                Llama expected = TestModels.model(reference, silenced);
                Llama pruned = WidthPruner.apply(source, selection)) {
            assertEquals(selection.prunedConfig(), pruned.config());
            TestModels.assertClose(expected.logits(IDS), pruned.logits(IDS), TOLERANCE);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void configAndShapesFollowTheSelection() {
        LlamaConfig config = TestModels.small(2, false);
        WidthSelection selection = WidthSelection.all(config)
                .withHiddenChannels(IntStream.range(0, 24).toArray())
                .withHeadsInEveryLayer(0, 3)
                .withNeuronsInEveryLayer(IntStream.range(10, 74).toArray());
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 1));
                Llama pruned = WidthPruner.apply(source, selection)) {
            LlamaConfig c = pruned.config();
            assertEquals(24, c.hiddenSize());
            assertEquals(64, c.intermediateSize());
            assertEquals(2, c.numAttentionHeads());
            assertEquals(2, c.numKeyValueHeads());
            assertEquals(8, c.headDim());
            assertEquals(LlamaLayout.parameterCount(c), pruned.parameterCount());
            assertEquals(PruningPlan.width(config, 24, 64, 2).target(), c);
            Map<String, long[]> shapes = LlamaLayout.shapes(c);
            pruned.parameters().forEach((n, t) -> assertArrayEquals(shapes.get(n), t.getShape().getShape(), n));
        }
    }

    @Test
    void keptValuesAreTheSourceValuesAtTheKeptIndices() {
        LlamaConfig config = TestModels.small(1, false);
        Map<String, float[]> weights = TestModels.randomWeights(config, 5);
        int[] hidden = {0, 4, 9, 31};
        int[] neurons = {2, 3, 90};
        WidthSelection selection = WidthSelection.all(config).withHiddenChannels(hidden).withHeadsInEveryLayer(1, 3)
                .withNeuronsInEveryLayer(neurons);
        try (Llama source = TestModels.model(config, weights); Llama pruned = WidthPruner.apply(source, selection)) {
            Map<String, float[]> after = TestModels.snapshot(pruned);
            float[] down = weights.get(LlamaLayout.downProj(0));
            float[] prunedDown = after.get(LlamaLayout.downProj(0));
            for (int r = 0; r < hidden.length; r++) {
                for (int c = 0; c < neurons.length; c++) {
                    assertEquals(down[hidden[r] * 96 + neurons[c]], prunedDown[r * neurons.length + c]);
                }
            }
            // q_proj row 8 + j of the pruned model is row 8 * 3 + j (head 3) of the source; column 2 is channel 9.
            float[] q = weights.get(LlamaLayout.qProj(0));
            float[] prunedQ = after.get(LlamaLayout.qProj(0));
            for (int j = 0; j < 8; j++) {
                assertEquals(q[(24 + j) * 32 + 9], prunedQ[(8 + j) * hidden.length + 2]);
            }
            float[] norm = weights.get(LlamaLayout.FINAL_NORM);
            assertArrayEquals(new float[] {norm[0], norm[4], norm[9], norm[31]}, after.get(LlamaLayout.FINAL_NORM));
        }
    }

    @Test
    void theIdentitySelectionCopiesTheModel() {
        LlamaConfig config = TestModels.small(2, true);
        Map<String, float[]> weights = TestModels.randomWeights(config, 9);
        try (Llama source = TestModels.model(config, weights);
                Llama copy = WidthPruner.apply(source, WidthSelection.all(config))) {
            TestModels.assertSameParameters(weights, TestModels.snapshot(copy));
        }
        try (Llama source = TestModels.model(config, weights)) {
            Llama copy = WidthPruner.apply(source, WidthSelection.all(config));
            copy.close();
            // The copy owns its tensors: closing it leaves the source usable.
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void rejectsASelectionForAnotherArchitecture() {
        LlamaConfig config = TestModels.small(2, false);
        WidthSelection other = WidthSelection.all(TestModels.small(3, false));
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 1))) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> WidthPruner.apply(source, other));
            assertTrue(e.getMessage().contains("selection was made for"), e.getMessage());
        }
    }

    /** Zeroes the dropped channels where they are written; returns the reference config (eps scaled). */
    private static LlamaConfig silenceChannels(LlamaConfig config, Map<String, float[]> w) {
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        for (int c : DROPPED_CHANNELS) {
            TestModels.zeroColumn(w.get(LlamaLayout.EMBED_TOKENS), shapes.get(LlamaLayout.EMBED_TOKENS), c);
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                TestModels.zeroRow(w.get(LlamaLayout.oProj(i)), shapes.get(LlamaLayout.oProj(i)), c);
                TestModels.zeroRow(w.get(LlamaLayout.downProj(i)), shapes.get(LlamaLayout.downProj(i)), c);
            }
        }
        double d = config.hiddenSize();
        double kept = d - DROPPED_CHANNELS.length;
        float scale = (float) Math.sqrt(kept / d);
        shapes.forEach((name, shape) -> {
            if (shape.length == 1) {
                float[] norm = w.get(name);
                for (int k = 0; k < norm.length; k++) {
                    norm[k] *= scale;
                }
            }
        });
        return config.toBuilder().optRmsNormEps(config.rmsNormEps() * kept / d).build();
    }

    /** Zeroes the o_proj input columns of every dropped head. */
    private static void silenceHeads(LlamaConfig config, Map<String, float[]> w) {
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            for (int h : complement(KEPT_HEADS[i], config.numAttentionHeads())) {
                for (int j = 0; j < config.headDim(); j++) {
                    TestModels.zeroColumn(w.get(LlamaLayout.oProj(i)), shapes.get(LlamaLayout.oProj(i)),
                            h * config.headDim() + j);
                }
            }
        }
    }

    /** Layer 0: zero gate and up rows of the dropped neurons; layer 1: zero their down_proj columns instead. */
    private static void silenceNeurons(LlamaConfig config, Map<String, float[]> w) {
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        for (int n : DROPPED_NEURONS[0]) {
            TestModels.zeroRow(w.get(LlamaLayout.gateProj(0)), shapes.get(LlamaLayout.gateProj(0)), n);
            TestModels.zeroRow(w.get(LlamaLayout.upProj(0)), shapes.get(LlamaLayout.upProj(0)), n);
        }
        for (int n : DROPPED_NEURONS[1]) {
            TestModels.zeroColumn(w.get(LlamaLayout.downProj(1)), shapes.get(LlamaLayout.downProj(1)), n);
        }
    }

    static int[] complement(int[] dropped, int size) {
        return IntStream.range(0, size).filter(i -> Arrays.stream(dropped).noneMatch(x -> x == i)).toArray();
    }
}
