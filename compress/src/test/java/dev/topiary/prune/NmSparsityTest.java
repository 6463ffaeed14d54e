package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** N:M sparsity: the pattern holds in every group of every pruned matrix, with the top-N scores kept. */
class NmSparsityTest {

    private final LlamaConfig config = TestModels.small(2, false);
    private final Map<String, long[]> shapes = LlamaLayout.shapes(config);

    @Test
    void twoFourByMagnitude() {
        Map<String, float[]> weights = TestModels.randomWeights(config, 31);
        try (Llama source = TestModels.model(config, weights); SparsityResult result = NmSparsity.twoFour(source)) {
            Map<String, float[]> after = TestModels.snapshot(result.model());
            for (String name : LlamaLayout.linearWeights(config)) {
                SparsityChecks.assertPrunedByScore(weights.get(name), after.get(name), (int) shapes.get(name)[1], 4, 2,
                        (r, c, x) -> Math.abs(x), name);
            }
            assertEquals(0.5, result.sparsity(), 1e-12);
            SparsityChecks.assertDenseUnchanged(config, weights, after);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void twoFourByWandaScore() {
        Map<String, float[]> weights = TestModels.randomWeights(config, 32);
        Map<String, float[]> norms = SparsityChecks.randomNorms(config, 33);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama source = TestModels.model(config, weights);
                SparsityResult result = NmSparsity.twoFour(source, SparsityChecks.toArrays(norms, m))) {
            Map<String, float[]> after = TestModels.snapshot(result.model());
            for (String name : LlamaLayout.linearWeights(config)) {
                float[] n = norms.get(name);
                SparsityChecks.assertPrunedByScore(weights.get(name), after.get(name), (int) shapes.get(name)[1], 4, 2,
                        (r, c, x) -> Math.abs(x) * n[c], name);
            }
            assertEquals(0.5, result.sparsity(), 1e-12);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void otherPatterns() {
        Map<String, float[]> weights = TestModels.randomWeights(config, 34);
        try (Llama source = TestModels.model(config, weights); SparsityResult result = NmSparsity.prune(source, 1, 8)) {
            Map<String, float[]> after = TestModels.snapshot(result.model());
            for (String name : LlamaLayout.linearWeights(config)) {
                SparsityChecks.assertPrunedByScore(weights.get(name), after.get(name), (int) shapes.get(name)[1], 8, 7,
                        (r, c, x) -> Math.abs(x), name);
            }
            assertEquals(7.0 / 8, result.sparsity(), 1e-12);
        }
    }

    @Test
    void rejectsImpossiblePatterns() {
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 1))) {
            fails(() -> NmSparsity.prune(source, 4, 4), "needs 0 < N < M, got 4:4");
            fails(() -> NmSparsity.prune(source, 0, 4), "needs 0 < N < M");
            fails(() -> NmSparsity.prune(source, 2, 7), "has 32 input columns, not a multiple of M = 7");
        }
    }

    private static void fails(Executable call, String message) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
