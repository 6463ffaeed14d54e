package dev.topiary.prune;

import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * The names of the linear (projection) weights of a Llama: the matrices that unstructured and N:M pruning sparsify.
 * Embeddings, norms and the LM head are not among them: the sparsity literature (Wanda, SparseGPT) leaves them dense.
 */
final class LinearWeights {

    private LinearWeights() {}

    /** q, k, v, o, gate, up and down projections of every layer, in checkpoint order. */
    static List<String> names(LlamaConfig config) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            names.add(LlamaLayout.qProj(i));
            names.add(LlamaLayout.kProj(i));
            names.add(LlamaLayout.vProj(i));
            names.add(LlamaLayout.oProj(i));
            names.add(LlamaLayout.gateProj(i));
            names.add(LlamaLayout.upProj(i));
            names.add(LlamaLayout.downProj(i));
        }
        return List.copyOf(names);
    }
}
