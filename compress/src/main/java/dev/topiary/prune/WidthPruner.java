package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Arrays;
import java.util.Map;

/**
 * Structured width pruning: cuts embedding channels, query heads and MLP neurons out of a Llama's weights, giving a
 * smaller dense model (the tensor surgery of Minitron's width axis).
 *
 * <p>Every tensor is cut consistently, so the pruned model computes what the source would with the removed units
 * silenced (up to RMSNorm's mean, which now runs over fewer channels):
 * <ul>
 *   <li>hidden channels: columns of embed_tokens, lm_head (tied or not), q/k/v_proj and gate/up_proj; rows of
 *       o_proj and down_proj; entries of every RMSNorm weight;</li>
 *   <li>query heads: head-major row blocks of q_proj and the matching column blocks of o_proj (k/v_proj keep all
 *       their heads);</li>
 *   <li>MLP neurons: rows of gate_proj and up_proj and columns of down_proj, with the same indices.</li>
 * </ul>
 * Rows and columns are taken with NDArray index selection, which runs on the model's device and stays
 * differentiable; a row-and-column cut is two selections, since one index with two arrays would pair them.
 */
public final class WidthPruner {

    private WidthPruner() {}

    /**
     * A new model keeping what {@code selection} keeps; the input model is not modified.
     *
     * @throws TopiaryException when the selection was made for another architecture, or the model's layers share
     *     weights
     */
    public static Llama apply(Llama model, WidthSelection selection) {
        LlamaConfig config = model.config();
        config.checkUnshared("width pruning");
        if (!selection.source().equals(config)) {
            throw new TopiaryException("the width selection was made for " + selection.source()
                    + " but the model is " + config);
        }
        LlamaConfig pruned = selection.prunedConfig();
        Map<String, NDArray> params = model.parameters();
        try (NewParameters out = new NewParameters(model.device())) {
            NDManager m = out.manager();
            NDArray hidden = index(m, selection.hiddenChannels(), config.hiddenSize());
            out.compute(LlamaLayout.EMBED_TOKENS, () -> cut(params.get(LlamaLayout.EMBED_TOKENS), null, hidden));
            for (int i = 0; i < config.numHiddenLayers(); i++) {
                NDArray heads = index(m, selection.headRows(i), (long) config.numAttentionHeads() * config.headDim());
                NDArray neurons = index(m, selection.neurons(i), config.intermediateSize());
                layer(out, params, i, hidden, heads, neurons);
            }
            out.compute(LlamaLayout.FINAL_NORM, () -> cut(params.get(LlamaLayout.FINAL_NORM), hidden, null));
            if (!config.tieWordEmbeddings()) {
                out.compute(LlamaLayout.LM_HEAD, () -> cut(params.get(LlamaLayout.LM_HEAD), null, hidden));
            }
            return out.build(pruned, "width pruning of " + config);
        }
    }

    /** Cuts one decoder layer's tensors; a null index keeps its whole dimension. */
    private static void layer(NewParameters out, Map<String, NDArray> params, int i, NDArray hidden, NDArray heads,
            NDArray neurons) {
        out.compute(LlamaLayout.inputNorm(i), () -> cut(params.get(LlamaLayout.inputNorm(i)), hidden, null));
        out.compute(LlamaLayout.qProj(i), () -> cut(params.get(LlamaLayout.qProj(i)), heads, hidden));
        out.compute(LlamaLayout.kProj(i), () -> cut(params.get(LlamaLayout.kProj(i)), null, hidden));
        out.compute(LlamaLayout.vProj(i), () -> cut(params.get(LlamaLayout.vProj(i)), null, hidden));
        out.compute(LlamaLayout.oProj(i), () -> cut(params.get(LlamaLayout.oProj(i)), hidden, heads));
        out.compute(LlamaLayout.postAttentionNorm(i), () -> cut(params.get(LlamaLayout.postAttentionNorm(i)), hidden, null));
        out.compute(LlamaLayout.gateProj(i), () -> cut(params.get(LlamaLayout.gateProj(i)), neurons, hidden));
        out.compute(LlamaLayout.upProj(i), () -> cut(params.get(LlamaLayout.upProj(i)), neurons, hidden));
        out.compute(LlamaLayout.downProj(i), () -> cut(params.get(LlamaLayout.downProj(i)), hidden, neurons));
    }

    /**
     * The kept indices as an int64 array on the model's device, or null when every index of the dimension is kept
     * (then the tensor is copied, not gathered).
     */
    private static NDArray index(NDManager m, int[] kept, int size) {
        return index(m, Arrays.stream(kept).asLongStream().toArray(), size);
    }

    private static NDArray index(NDManager m, long[] kept, long size) {
        return kept.length == size ? null : m.create(kept);
    }

    /**
     * The selected rows, then the selected columns, of a tensor (rows only for a 1-D norm weight); always a new
     * tensor, never a view of the source's storage.
     */
    private static NDArray cut(NDArray t, NDArray rows, NDArray columns) {
        NDArray selected = rows == null ? t : t.get(new NDIndex("{}", rows));
        if (columns != null) {
            return selected.get(new NDIndex(":, {}", columns));
        }
        return selected == t ? t.duplicate() : selected;
    }
}
