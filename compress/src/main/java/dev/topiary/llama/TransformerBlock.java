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

    NDArray forward(NDArray x, NDArray[] rope, NDArray mask, KvCache cache, int layer) {
        NDArray h = x.add(attention.forward(inputNorm.forward(x), rope, mask, cache, layer));
        return h.add(mlp.forward(postAttentionNorm.forward(h)));
    }
}
