package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.topiary.llama.Llama;
import java.util.Map;

/**
 * Wanda (pruning by weights and activations, Sun et al. 2023): each weight is scored {@code |W_ij| * ||X_j||_2},
 * its magnitude times the L2 norm of its input channel over calibration tokens, and in every output row the
 * lowest-scored fraction {@code sparsity} (to the nearest whole weight) is set to zero. Comparing within a row, not
 * across the matrix, is what the paper found to matter for LLMs. Embeddings, norms and the LM head stay dense.
 */
public final class WandaPruning {

    private WandaPruning() {}

    /**
     * A new model with each linear weight pruned row by row to {@code sparsity}; the input model is not modified.
     *
     * @param inputNorms for every linear weight (by parameter name), the L2 norm over calibration tokens of each
     *     input channel: a vector as long as the weight has columns (q, k and v of a layer share theirs, as do gate
     *     and up)
     * @param sparsity fraction of each row's weights to zero, in [0, 1)
     */
    public static SparsityResult prune(Llama model, Map<String, NDArray> inputNorms, double sparsity) {
        MaskedPruning.checkSparsity(sparsity);
        WandaInputs.check(model.config(), model.parameters(), inputNorms);
        return MaskedPruning.apply(model, "Wanda pruning to " + sparsity, (name, w) -> {
            long drop = Ranks.count(sparsity, w.getShape().get(1));
            return Ranks.keepAllButSmallest(score(w, inputNorms.get(name)), drop);
        });
    }

    /** {@code |W_ij| * norm_j} in fp32 (fp16 products of large norms would overflow), on the weight's device. */
    static NDArray score(NDArray weight, NDArray inputNorms) {
        NDArray norms = inputNorms.toDevice(weight.getDevice(), false).toType(DataType.FLOAT32, false);
        return weight.abs().toType(DataType.FLOAT32, false).mul(norms.reshape(1, -1));
    }
}
