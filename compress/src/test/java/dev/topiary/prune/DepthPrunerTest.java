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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Dropping layers: an identity layer (zero o_proj and down_proj) leaves the logits as they were when dropped. */
class DepthPrunerTest {

    private static final int[] IDS = {3, 17, 0, 49, 25, 8, 8, 41, 12};

    @Test
    void droppingAnIdentityLayerLeavesTheLogitsUnchanged() {
        LlamaConfig config = TestModels.small(3, false);
        Map<String, float[]> weights = TestModels.randomWeights(config, 3);
        // With no output projection writing into the residual stream, layer 1 passes its input through unchanged.
        Arrays.fill(weights.get(LlamaLayout.oProj(1)), 0f);
        Arrays.fill(weights.get(LlamaLayout.downProj(1)), 0f);
        try (Llama source = TestModels.model(config, weights); Llama pruned = DepthPruner.drop(source, 1)) {
            assertEquals(2, pruned.config().numHiddenLayers());
            TestModels.assertClose(source.logits(IDS), pruned.logits(IDS), 1e-6);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void droppingARealLayerChangesTheLogits() {
        LlamaConfig config = TestModels.small(3, true);
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 3));
                Llama pruned = DepthPruner.drop(source, 1)) {
            assertThrows(AssertionError.class, () -> TestModels.assertClose(source.logits(IDS), pruned.logits(IDS), 1e-3));
        }
    }

    @Test
    void keptLayersAreRenumberedInOrder() {
        LlamaConfig config = TestModels.small(4, false);
        Map<String, float[]> weights = TestModels.randomWeights(config, 4);
        try (Llama source = TestModels.model(config, weights); Llama pruned = DepthPruner.dropBlock(source, 1, 2)) {
            Map<String, float[]> after = TestModels.snapshot(pruned);
            assertEquals(LlamaLayout.shapes(pruned.config()).keySet(), after.keySet());
            assertArrayEquals(weights.get(LlamaLayout.qProj(0)), after.get(LlamaLayout.qProj(0)));
            assertArrayEquals(weights.get(LlamaLayout.qProj(3)), after.get(LlamaLayout.qProj(1)));
            assertArrayEquals(weights.get(LlamaLayout.downProj(3)), after.get(LlamaLayout.downProj(1)));
            assertArrayEquals(weights.get(LlamaLayout.postAttentionNorm(3)), after.get(LlamaLayout.postAttentionNorm(1)));
            assertArrayEquals(weights.get(LlamaLayout.LM_HEAD), after.get(LlamaLayout.LM_HEAD));
            assertArrayEquals(weights.get(LlamaLayout.FINAL_NORM), after.get(LlamaLayout.FINAL_NORM));
        }
    }

    @Test
    void theCopyIsIndependentOfTheSource() {
        LlamaConfig config = TestModels.small(2, true);
        Map<String, float[]> weights = TestModels.randomWeights(config, 6);
        try (Llama source = TestModels.model(config, weights)) {
            DepthPruner.drop(source, 0).close();
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
            float[][] before = source.logits(IDS);
            try (Llama copy = DepthPruner.drop(source)) {
                TestModels.assertClose(before, copy.logits(IDS), 0);
            }
        }
    }

    @Test
    void rejectsBadLayerLists() {
        LlamaConfig config = TestModels.small(3, false);
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 1))) {
            fails(() -> DepthPruner.drop(source, 3), "cannot drop layer 3: the model has layers 0..2");
            fails(() -> DepthPruner.drop(source, -1), "cannot drop layer -1");
            fails(() -> DepthPruner.drop(source, 1, 1), "layer 1 is listed twice");
            fails(() -> DepthPruner.drop(source, 0, 1, 2), "cannot drop all 3 layers");
            fails(() -> DepthPruner.dropBlock(source, 0, 2), "cannot drop all 3 layers");
            fails(() -> DepthPruner.dropBlock(source, 2, 1), "the block to drop is empty");
        }
    }

    private static void fails(Executable call, String message) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
