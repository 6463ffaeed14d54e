package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import org.junit.jupiter.api.Test;

/**
 * Pruning a float16 model (as models are held on a GPU): every operation keeps the type, and the sparse ones reach
 * their pattern (scores are ranked in fp32 or fp16 without overflow).
 */
class HalfPrecisionPruningTest {

    @Test
    void everyOperationKeepsFloat16() {
        LlamaConfig config = TestModels.small(2, false);
        try (NDManager m = Engines.engine().newBaseManager();
                Llama source = Llama.random(config, 5, Device.cpu(), DataType.FLOAT16)) {
            WidthSelection selection = WidthSelection.all(config).withHiddenChannels(0, 1, 2, 3, 8, 9, 10, 11)
                    .withHeadsInEveryLayer(0, 2).withNeuronsInEveryLayer(1, 2, 3, 4);
            try (Llama width = WidthPruner.apply(source, selection); Llama depth = DepthPruner.drop(source, 0)) {
                assertEquals(DataType.FLOAT16, width.dataType());
                assertEquals(DataType.FLOAT16, depth.dataType());
            }
            try (SparsityResult magnitude = MagnitudePruning.prune(source, 0.5);
                    SparsityResult wanda = WandaPruning.prune(source,
                            SparsityChecks.toArrays(SparsityChecks.randomNorms(config, 1), m), 0.5);
                    SparsityResult nm = NmSparsity.twoFour(source)) {
                for (SparsityResult r : new SparsityResult[] {magnitude, wanda, nm}) {
                    assertEquals(DataType.FLOAT16, r.model().dataType());
                    assertEquals(0.5, r.sparsity(), 1e-12);
                }
            }
        }
    }
}
