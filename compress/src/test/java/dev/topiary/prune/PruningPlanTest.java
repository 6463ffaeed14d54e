package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.LlamaPresets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Plans from configs alone, checked against the published Minitron architectures. */
class PruningPlanTest {

    private static final LlamaConfig LLAMA_8B = LlamaPresets.llama31_8b();

    @Test
    void minitron4bWidth() {
        PruningPlan plan = PruningPlan.width(LLAMA_8B, 3072, 9216, 32);
        assertEquals(LlamaPresets.minitron4bWidth(), plan.target());
        assertEquals(LlamaLayout.parameterCount(LlamaPresets.minitron4bWidth()), plan.parameterCount());
        assertEquals(4_512_746_496L, plan.parameterCount());
        assertEquals(8_030_261_248L, plan.sourceParameterCount());
        // Less the 128256 x 3072 embedding and the untied LM head of the same shape.
        assertEquals(4_512_746_496L - 2L * 128256 * 3072, plan.nonEmbeddingParameterCount());
        assertEquals(2 * 4_512_746_496L, plan.bytes(2));
        assertEquals(4 * 4_512_746_496L, plan.bytes(4));
    }

    @Test
    void minitron4bDepth() {
        PruningPlan plan = PruningPlan.depth(LLAMA_8B, 16);
        assertEquals(LlamaPresets.minitron4bDepth(), plan.target());
        assertEquals(LlamaLayout.parameterCount(LlamaPresets.minitron4bDepth()), plan.parameterCount());
        assertEquals(PruningPlan.depthRatio(LLAMA_8B, 0.5).target(), plan.target());
    }

    @Test
    void widthRatioFollowsItsRule() {
        PruningPlan plan = PruningPlan.widthRatio(LLAMA_8B, 0.5625);
        LlamaConfig t = plan.target();
        assertEquals(0, t.hiddenSize() % 64);
        assertEquals(0, t.intermediateSize() % 64);
        assertEquals(32, t.numAttentionHeads());
        assertEquals(8, t.numKeyValueHeads());
        assertEquals(128, t.headDim());
        assertEquals(32, t.numHiddenLayers());
        assertEquals(Math.round(14336.0 * t.hiddenSize() / 4096 / 64) * 64, t.intermediateSize());
        // The nearest candidate: one alignment step either way is farther from the goal.
        double goal = 0.5625 * plan.sourceParameterCount();
        double distance = Math.abs(plan.parameterCount() - goal);
        for (int hidden : new int[] {t.hiddenSize() - 64, t.hiddenSize() + 64}) {
            LlamaConfig neighbour = LLAMA_8B.toBuilder().setHiddenSize(hidden)
                    .setIntermediateSize((int) Math.round(14336.0 * hidden / 4096 / 64) * 64).optHeadDim(128).build();
            assertTrue(Math.abs(LlamaLayout.parameterCount(neighbour) - goal) >= distance, "hidden " + hidden);
        }
        assertEquals(0.5625, plan.keptFraction(), 0.01);
        assertEquals(2880, t.hiddenSize());
        assertEquals(10112, t.intermediateSize());
    }

    @Test
    void ratioOneKeepsTheModel() {
        assertEquals(LLAMA_8B, PruningPlan.widthRatio(LLAMA_8B, 1).target());
        assertEquals(LLAMA_8B, PruningPlan.depthRatio(LLAMA_8B, 1).target());
        LlamaConfig small = TestModels.small(2, true);
        assertEquals(small, PruningPlan.widthRatio(small, 1).target());
    }

    @Test
    void depthRatioKeepsAtLeastOneLayer() {
        assertEquals(1, PruningPlan.depthRatio(LLAMA_8B, 0.001).target().numHiddenLayers());
        assertEquals(24, PruningPlan.depthRatio(LLAMA_8B, 0.75).target().numHiddenLayers());
    }

    @Test
    void narrowModelsUseFinerSteps() {
        assertEquals(64, PruningPlan.alignment(4096));
        assertEquals(64, PruningPlan.alignment(1024));
        assertEquals(16, PruningPlan.alignment(256));
        assertEquals(2, PruningPlan.alignment(32));
        assertEquals(1, PruningPlan.alignment(20));
        LlamaConfig small = TestModels.small(2, false);
        PruningPlan plan = PruningPlan.widthRatio(small, 0.5);
        LlamaConfig t = plan.target();
        assertEquals(0, t.hiddenSize() % 2);
        assertEquals(0, t.intermediateSize() % 4);
        assertEquals(4, t.numAttentionHeads());
        assertEquals(0.5, plan.keptFraction(), 0.05);
    }

    @Test
    void rejectsBadTargets() {
        fails(() -> PruningPlan.width(LLAMA_8B, 5000, 9216, 32), "hidden_size target 5000 must be in [1, 4096]");
        fails(() -> PruningPlan.width(LLAMA_8B, 3072, 0, 32), "intermediate_size target 0");
        fails(() -> PruningPlan.width(LLAMA_8B, 3072, 9216, 36), "num_attention_heads target 36");
        fails(() -> PruningPlan.width(LLAMA_8B, 3072, 9216, 12), "not a multiple of the 8 KV heads");
        fails(() -> PruningPlan.depth(LLAMA_8B, 0), "num_hidden_layers target 0");
        fails(() -> PruningPlan.depth(LLAMA_8B, 33), "num_hidden_layers target 33");
        fails(() -> PruningPlan.widthRatio(LLAMA_8B, 0), "keep fraction 0.0 must be in (0, 1]");
        fails(() -> PruningPlan.depthRatio(LLAMA_8B, 1.5), "keep fraction 1.5 must be in (0, 1]");
        fails(() -> PruningPlan.depthRatio(LLAMA_8B, Double.NaN), "keep fraction NaN");
        fails(() -> PruningPlan.depth(LLAMA_8B, 16).bytes(0), "bytes per parameter must be positive");
    }

    @Test
    void printsAReadableSummary() {
        String text = PruningPlan.width(LLAMA_8B, 3072, 9216, 32).toString();
        assertTrue(text.contains("hidden 4096 -> 3072, ffn 14336 -> 9216, heads 32 -> 32 (kv 8, head_dim 128)"), text);
        assertTrue(text.contains("parameters 8,030,261,248 -> 4,512,746,496 (56.2%)"), text);
        assertTrue(text.contains("size 9.03 GB in bf16, 18.05 GB in fp32"), text);
        assertTrue(text.lines().count() >= 5, text);
    }

    private static void fails(Executable call, String message) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
