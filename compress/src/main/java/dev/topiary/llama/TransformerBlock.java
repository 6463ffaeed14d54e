package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import dev.topiary.llama.ActivationObserver.Site;

/** One decoder layer: pre-norm attention and pre-norm SwiGLU MLP, each added to the residual stream. */
final class TransformerBlock {

    private final RmsNorm inputNorm;
    private final Attention attention;
    private final RmsNorm postAttentionNorm;
    private final FeedForward mlp;

    TransformerBlock(RmsNorm inputNorm, Attention attention, RmsNorm postAttentionNorm, FeedForward mlp) {
        this.inputNorm = inputNorm;
        this.attention = attention;
        this.postAttentionNorm = postAttentionNorm;
        this.mlp = mlp;
    }

    NDArray forward(NDArray x, NDArray[] rope, NDArray mask, KvCache cache, int layer, ActivationObserver observer) {
        return forward(x, rope, mask, cache, layer, observer, Site.LAYER_OUTPUT);
    }

    /**
     * Fills this layer's cache entry for the positions of {@code x} as if it were this layer's input, without running
     * the layer: an early exit's hidden state propagated to a layer it skips.
     */
    void propagate(NDArray x, NDArray[] rope, KvCache cache, int layer) {
        attention.appendKeysAndValues(inputNorm.forward(x), rope, cache, layer);
    }

    /**
     * The layer's output, or null when it stops early: after showing {@code observer} the activation at
     * {@code last} (the attention and the MLP run whole once started, so a stop at a site inside one of them ends
     * the pass after it).
     */
    NDArray forward(NDArray x, NDArray[] rope, NDArray mask, KvCache cache, int layer, ActivationObserver observer,
            Site last) {
        observer.observe(layer, Site.LAYER_INPUT, x);
        if (last == Site.LAYER_INPUT) {
            return null;
        }
        NDArray attentionInput = inputNorm.forward(x);
        observer.observe(layer, Site.ATTENTION_NORM, attentionInput);
        if (last == Site.ATTENTION_NORM) {
            return null;
        }
        NDArray h = x.add(attention.forward(attentionInput, rope, mask, cache, layer, observer));
        if (last == Site.ATTENTION_OUTPUT_INPUT) {
            return null;
        }
        NDArray mlpInput = postAttentionNorm.forward(h);
        observer.observe(layer, Site.MLP_NORM, mlpInput);
        if (last == Site.MLP_NORM) {
            return null;
        }
        NDArray out = h.add(mlp.forward(mlpInput, layer, observer));
        observer.observe(layer, Site.LAYER_OUTPUT, out);
        return last == Site.LAYER_OUTPUT ? out : null;
    }
}
