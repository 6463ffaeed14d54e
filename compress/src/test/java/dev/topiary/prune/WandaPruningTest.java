package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Wanda: row-wise pruning by {@code |W_ij| * ||X_j||}, checked entry by entry in Java. */
class WandaPruningTest {

    @Test
    void zeroesTheLowestScoresOfEveryRow() {
        LlamaConfig config = TestModels.small(2, false);
        Map<String, float[]> weights = TestModels.randomWeights(config, 21);
        Map<String, float[]> norms = SparsityChecks.randomNorms(config, 22);
        Map<String, long[]> shapes = LlamaLayout.shapes(config);
        double sparsity = 0.25;
        try (NDManager m = Engines.engine().newBaseManager();
                Llama source = TestModels.model(config, weights);
                SparsityResult result = WandaPruning.prune(source, SparsityChecks.toArrays(norms, m), sparsity)) {
            Map<String, float[]> after = TestModels.snapshot(result.model());
            for (String name : LlamaLayout.linearWeights(config)) {
                int columns = (int) shapes.get(name)[1];
                float[] n = norms.get(name);
                SparsityChecks.assertPrunedByScore(weights.get(name), after.get(name), columns, columns,
                        columns / 4, (r, c, x) -> Math.abs(x) * n[c], name);
                assertEquals(sparsity, result.matrixSparsity().get(name), 1e-12, name);
            }
            assertEquals(sparsity, result.sparsity(), 1e-12);
            SparsityChecks.assertDenseUnchanged(config, weights, after);
            TestModels.assertSameParameters(weights, TestModels.snapshot(source));
        }
    }

    @Test
    void activationsChangeWhatIsPruned() {
        LlamaConfig config = TestModels.small(1, true);
        Map<String, float[]> weights = TestModels.randomWeights(config, 23);
        Map<String, float[]> norms = SparsityChecks.randomNorms(config, 24);
        // Channel 5 of q_proj's input is very active: none of its weights may go, however small.
        norms.get(LlamaLayout.qProj(0))[5] = 1e4f;
        try (NDManager m = Engines.engine().newBaseManager();
                Llama source = TestModels.model(config, weights);
                SparsityResult wanda = WandaPruning.prune(source, SparsityChecks.toArrays(norms, m), 0.5)) {
            float[] q = TestModels.snapshot(wanda.model()).get(LlamaLayout.qProj(0));
            for (int r = 0; r < 32; r++) {
                assertTrue(q[r * 32 + 5] != 0f, "row " + r);
            }
        }
    }

    @Test
    void rejectsMissingOrMisshapenNorms() {
        LlamaConfig config = TestModels.small(1, false);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama source = TestModels.model(config, TestModels.randomWeights(config, 1))) {
            Map<String, NDArray> norms = SparsityChecks.toArrays(SparsityChecks.randomNorms(config, 2), m);
            Map<String, NDArray> missing = new LinkedHashMap<>(norms);
            missing.remove(LlamaLayout.downProj(0));
            fails(() -> WandaPruning.prune(source, missing, 0.5), "no input norms for model.layers.0.mlp.down_proj");
            Map<String, NDArray> misshapen = new LinkedHashMap<>(norms);
            misshapen.put(LlamaLayout.downProj(0), m.ones(new Shape(32)));
            fails(() -> WandaPruning.prune(source, misshapen, 0.5), "have shape (32), expected (96)");
            Map<String, NDArray> unknown = new LinkedHashMap<>(norms);
            unknown.put(LlamaLayout.EMBED_TOKENS, m.ones(new Shape(32)));
            fails(() -> WandaPruning.prune(source, unknown, 0.5), "not a linear weight");
            fails(() -> WandaPruning.prune(source, null, 0.5), "got none");
            fails(() -> WandaPruning.prune(source, norms, 1.5), "must be in [0, 1)");
        }
    }

    private static void fails(Executable call, String message) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
