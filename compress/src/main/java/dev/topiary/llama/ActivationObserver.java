package dev.topiary.llama;

import ai.djl.ndarray.NDArray;

/**
 * Sees the activations of a forward pass where compression methods measure them: pruning importance (Minitron),
 * Wanda's input norms, GPTQ's Hessians.
 *
 * <p>Arrays passed in are freed when the forward pass ends; an observer that keeps anything must reduce it first
 * and detach the result (or copy it into Java arrays).
 */
@FunctionalInterface
public interface ActivationObserver {

    /** Observes nothing; forward passes skip the calls entirely. */
    ActivationObserver NONE = (layer, site, activation) -> { };

    /** Where in a decoder layer an activation is taken; every array is {@code [B, T, channels]}. */
    enum Site {
        /** The residual stream entering the layer, {@code [B, T, hidden]}. */
        LAYER_INPUT,
        /** The output of the layer's first RMSNorm (the attention's input), {@code [B, T, hidden]}. */
        ATTENTION_NORM,
        /** The concatenated heads entering o_proj, {@code [B, T, heads * head_dim]}. */
        ATTENTION_OUTPUT_INPUT,
        /** The output of the layer's second RMSNorm (the MLP's input), {@code [B, T, hidden]}. */
        MLP_NORM,
        /** The gated activations entering down_proj, {@code [B, T, intermediate]}. */
        MLP_DOWN_INPUT,
        /** The residual stream leaving the layer, {@code [B, T, hidden]}. */
        LAYER_OUTPUT
    }

    void observe(int layer, Site site, NDArray activation);
}
