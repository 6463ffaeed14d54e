package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The common path of unstructured and N:M pruning: copies a model, multiplying each linear weight by a keep-mask,
 * and measures the zeros that result. Everything else (embeddings, norms, LM head) is copied unchanged.
 */
final class MaskedPruning {

    /** The keep-mask (boolean, or 0/1 of any type) of one linear weight, shaped as the weight. */
    @FunctionalInterface
    interface Masker {
        NDArray keep(String name, NDArray weight);
    }

    private MaskedPruning() {}

    static SparsityResult apply(Llama model, String method, Masker masker) {
        LlamaConfig config = model.config();
        Set<String> linear = new HashSet<>(LlamaLayout.linearWeights(config));
        Map<String, Double> matrixSparsity = new LinkedHashMap<>();
        long zeros = 0;
        long weights = 0;
        try (NewParameters out = new NewParameters(model.device())) {
            for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
                String name = e.getKey();
                NDArray w = e.getValue();
                if (!linear.contains(name)) {
                    out.copy(name, w);
                    continue;
                }
                out.compute(name, () -> w.mul(masker.keep(name, w).toType(w.getDataType(), false)));
                long size = w.size();
                long zero = size - countNonzero(out, name);
                matrixSparsity.put(name, (double) zero / size);
                zeros += zero;
                weights += size;
            }
            Llama pruned = out.build(config, method + " of " + config);
            return new SparsityResult(pruned, matrixSparsity, zeros, weights);
        }
    }

    private static long countNonzero(NewParameters out, String name) {
        try (NDScope scope = new NDScope()) {
            return out.get(name).countNonzero().toType(DataType.INT64, false).getLong();
        }
    }

    /** Rejects a sparsity outside [0, 1). */
    static void checkSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new TopiaryException("sparsity " + sparsity + " must be in [0, 1): the fraction of each matrix's"
                    + " weights set to zero");
        }
    }
}
