package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Arrays;
import java.util.Map;

/**
 * Structured depth pruning: removes whole decoder layers, renumbering the rest ({@code model.layers.{i}}) so the
 * result is an ordinary Llama checkpoint with fewer layers. Embeddings, the final norm and the LM head are copied.
 */
public final class DepthPruner {

    private DepthPruner() {}

    /**
     * A new model without the given layers (0-based); the input model is not modified. No layers: a plain copy.
     *
     * @throws TopiaryException for a layer out of range, a layer listed twice, all layers dropped, or a model whose
     *     layers share weights
     */
    public static Llama drop(Llama model, int... layers) {
        LlamaConfig config = model.config();
        config.checkUnshared("depth pruning");
        int total = config.numHiddenLayers();
        boolean[] dropped = new boolean[total];
        for (int layer : layers) {
            if (layer < 0 || layer >= total) {
                throw new TopiaryException("cannot drop layer " + layer + ": the model has layers 0.." + (total - 1));
            }
            if (dropped[layer]) {
                throw new TopiaryException("layer " + layer + " is listed twice among the layers to drop");
            }
            dropped[layer] = true;
        }
        if (layers.length == total) {
            throw new TopiaryException("cannot drop all " + total + " layers: at least one must stay");
        }
        LlamaConfig pruned = config.toBuilder().setNumHiddenLayers(total - layers.length).build();
        Map<String, NDArray> params = model.parameters();
        try (NewParameters out = new NewParameters(model.device())) {
            out.copy(LlamaLayout.EMBED_TOKENS, params.get(LlamaLayout.EMBED_TOKENS));
            int next = 0;
            for (int i = 0; i < total; i++) {
                if (dropped[i]) {
                    continue;
                }
                String from = LlamaLayout.layerPrefix(i);
                String to = LlamaLayout.layerPrefix(next++);
                for (Map.Entry<String, NDArray> e : params.entrySet()) {
                    if (e.getKey().startsWith(from)) {
                        out.copy(to + e.getKey().substring(from.length()), e.getValue());
                    }
                }
            }
            out.copy(LlamaLayout.FINAL_NORM, params.get(LlamaLayout.FINAL_NORM));
            if (!config.tieWordEmbeddings()) {
                out.copy(LlamaLayout.LM_HEAD, params.get(LlamaLayout.LM_HEAD));
            }
            return out.build(pruned, "depth pruning of " + config + " (dropped layers " + Arrays.toString(layers) + ")");
        }
    }

    /**
     * A new model without the contiguous block of layers {@code first..lastInclusive}, as Minitron-4B-Depth drops
     * layers 16-31 (1-based) of Llama-3.1-8B: {@code dropBlock(model, 15, 30)} keeps 0-14 and the last layer.
     */
    public static Llama dropBlock(Llama model, int first, int lastInclusive) {
        if (lastInclusive < first) {
            throw new TopiaryException("the block to drop is empty: first layer " + first + " is after the last "
                    + lastInclusive);
        }
        int[] block = new int[lastInclusive - first + 1];
        Arrays.setAll(block, k -> first + k);
        return drop(model, block);
    }
}
