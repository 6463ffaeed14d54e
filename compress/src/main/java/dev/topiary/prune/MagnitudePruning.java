package dev.topiary.prune;

import dev.topiary.llama.Llama;

/**
 * Unstructured magnitude pruning: in each linear weight matrix on its own, the smallest weights by absolute value are
 * set to zero, so that a fraction {@code sparsity} of the matrix (to the nearest whole weight) is zero. Embeddings,
 * norms and the LM head stay dense.
 */
public final class MagnitudePruning {

    private MagnitudePruning() {}

    /**
     * A new model with each linear weight pruned to {@code sparsity}; the input model is not modified.
     *
     * @param sparsity fraction of each matrix's weights to zero, in [0, 1)
     */
    public static SparsityResult prune(Llama model, double sparsity) {
        MaskedPruning.checkSparsity(sparsity);
        return MaskedPruning.apply(model, "magnitude pruning to " + sparsity,
                (name, w) -> Ranks.keepAllButSmallestOverall(w.abs(), Ranks.count(sparsity, w.size())));
    }
}
