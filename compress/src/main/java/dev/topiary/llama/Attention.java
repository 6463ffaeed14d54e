package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.core.Linear;
import dev.topiary.engine.Scalars;

/**
 * Causal grouped-query self-attention. Query heads are grouped by the key/value head they share (Hugging Face's
 * {@code repeat_kv} order: query head h reads kv head h / groupSize), and each group attends with one batched
 * matrix product, so keys and values are never copied per query head. Everything runs in the input's type.
 */
final class Attention {

    private final NDArray q;
    private final NDArray k;
    private final NDArray v;
    private final NDArray o;
    private final int kvHeads;
    private final int groupSize;
    private final int headDim;
    private final float scale;
    private final LinearInputs inputs;

    Attention(LlamaConfig config, NDArray q, NDArray k, NDArray v, NDArray o, LinearInputs inputs) {
        this.inputs = inputs;
        this.q = q;
        this.k = k;
        this.v = v;
        this.o = o;
        this.kvHeads = config.numKeyValueHeads();
        this.groupSize = config.queryGroupSize();
        this.headDim = config.headDim();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * @param x {@code [B, T, D]}
     * @param rope cosines and sines for the T new positions
     * @param mask additive {@code [T, S]} mask over all S visible positions, or null when every key is visible
     * @param cache holds earlier positions' keys and values and receives these; null for a full-sequence pass
     */
    NDArray forward(NDArray input, NDArray[] rope, NDArray mask, KvCache cache, int layer,
            ActivationObserver observer) {
        NDArray x = inputs.apply(input);
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);
        NDArray queries = Linear.linear(x, q).singletonOrThrow()
                .reshape(batch, steps, kvHeads, groupSize, headDim)
                .transpose(0, 2, 3, 1, 4);
        queries = RotaryEmbedding.apply(queries, rope);
        NDArray[] keysValues = keysAndValues(x, rope);
        NDArray keys = keysValues[0];
        NDArray values = keysValues[1];
        if (cache != null) {
            NDArray[] all = cache.append(layer, keys, values);
            keys = all[0];
            values = all[1];
        }
        long visible = keys.getShape().get(2);
        NDArray scores = queries.reshape(batch, kvHeads, groupSize * steps, headDim)
                .matMul(keys.transpose(0, 1, 3, 2))
                .reshape(batch, kvHeads, groupSize, steps, visible)
                .mul(Scalars.of(queries, scale));
        if (mask != null) {
            scores = scores.add(mask);
        }
        // In fp16 the softmax stays in fp16 (PyTorch accumulates it in fp32 internally): a cast would cut gradients.
        NDArray probabilities = scores.softmax(-1);
        NDArray heads = probabilities.reshape(batch, kvHeads, groupSize * steps, visible)
                .matMul(values)
                .reshape(batch, kvHeads, groupSize, steps, headDim)
                .transpose(0, 3, 1, 2, 4)
                .reshape(batch, steps, (long) kvHeads * groupSize * headDim);
        observer.observe(layer, ActivationObserver.Site.ATTENTION_OUTPUT_INPUT, heads);
        return Linear.linear(inputs.apply(heads), o).singletonOrThrow();
    }

    /**
     * Appends to {@code cache} the keys and values {@link #forward} would compute for {@code input} {@code [B, T, D]},
     * without attending: what an early exit leaves in the layers it skips.
     */
    void appendKeysAndValues(NDArray input, NDArray[] rope, KvCache cache, int layer) {
        NDArray[] keysValues = keysAndValues(inputs.apply(input), rope);
        cache.append(layer, keysValues[0], keysValues[1]);
    }

    // Keys (rotated) and values [B, KV, T, headDim] of the projection input x.
    private NDArray[] keysAndValues(NDArray x, NDArray[] rope) {
        long batch = x.getShape().get(0);
        long steps = x.getShape().get(1);
        NDArray keys = Linear.linear(x, k).singletonOrThrow()
                .reshape(batch, steps, kvHeads, headDim)
                .transpose(0, 2, 1, 3);
        NDArray values = Linear.linear(x, v).singletonOrThrow()
                .reshape(batch, steps, kvHeads, headDim)
                .transpose(0, 2, 1, 3);
        return new NDArray[] {RotaryEmbedding.apply(keys, rope), values};
    }
}
