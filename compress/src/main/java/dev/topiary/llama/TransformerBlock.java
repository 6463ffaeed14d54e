package dev.topiary.llama;

import ai.djl.ndarray.NDArray;

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
        observer.observe(layer, ActivationObserver.Site.LAYER_INPUT, x);
        NDArray attentionInput = inputNorm.forward(x);
        observer.observe(layer, ActivationObserver.Site.ATTENTION_NORM, attentionInput);
        NDArray h = x.add(attention.forward(attentionInput, rope, mask, cache, layer, observer));
        NDArray mlpInput = postAttentionNorm.forward(h);
        observer.observe(layer, ActivationObserver.Site.MLP_NORM, mlpInput);
        NDArray out = h.add(mlp.forward(mlpInput, layer, observer));
        observer.observe(layer, ActivationObserver.Site.LAYER_OUTPUT, out);
        return out;
    }
}
