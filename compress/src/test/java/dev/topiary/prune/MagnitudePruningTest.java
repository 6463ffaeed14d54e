package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Magnitude pruning, matrix by matrix, checked entry by entry in Java. */
class MagnitudePruningTest {

    @ParameterizedTest(name = "sparsity {0}")
    @ValueSource(doubles = {0.0, 0.3, 0.5, 0.9})
    void zeroesTheSmallestMagnitudesOfEachMatrix(double sparsity) {
        LlamaConfig config = TestModels.small(2, false);
        Map<String, float[]> weights = TestModels.randomWeights(config, 11);
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        try (Llama source = TestModels.model(config, weights);
                SparsityResult result = MagnitudePruning.prune(source, sparsity)) {
            Map<String, float[]> after = TestModels.snapshot(result.model());
            long zeros = 0;
            long total = 0;
            for (String name : LlamaLayout.linearWeights(config)) {
                float[] w = weights.get(name);
                int drop = (int) Math.round(sparsity * w.length);
                SparsityChecks.assertPrunedByScore(w, after.get(name), (int) shapes.get(name)[1], w.length, drop,
                        (r, c, x) -> Math.abs(x), name);
                assertEquals((double) drop / w.length, result.matrixSparsity().get(name), 1e-12, name);
                zeros += drop;
                total += w.length;
            }
            assertEquals(total, result.prunedMatrixWeights());
            assertEquals(zeros, result.zeros());
            assertEquals((double) zeros / total, result.sparsity(), 1e-12);
            // Each matrix rounds to whole weights: at most half a weight per matrix off the target.
            assertEquals(sparsity, result.sparsity(), 0.5 * LlamaLayout.linearWeights(config).size() / total);
            SparsityChecks.assertDenseUnchanged(config, weights, after);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void rejectsSparsitiesOutsideTheUnitInterval() {
        LlamaConfig config = TestModels.small(1, true);
        try (Llama source = TestModels.model(config, TestModels.randomWeights(config, 1))) {
            for (double s : new double[] {-0.1, 1.0, Double.NaN}) {
                TopiaryException e = assertThrows(TopiaryException.class, () -> MagnitudePruning.prune(source, s));
                assertTrue(e.getMessage().contains("must be in [0, 1)"), e.getMessage());
            }
        }
    }
}
