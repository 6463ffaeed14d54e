package dev.topiary.llama;

import ai.djl.ndarray.NDArray;

/**
 * What every decoder linear layer's input passes through before its matrix product: nothing in a floating-point
 * model, fake activation quantization in a W8A8 or FP8 model. The q, k and v projections share one input, and so do
 * gate and up, so each input is transformed once; the LM head's input is never transformed.
 */
@FunctionalInterface
public interface LinearInputs {

    /** The inputs as they are: the products see exactly the activations. */
    LinearInputs EXACT = input -> input;

    /** {@code input} {@code [B, T, channels]} as the linear layers reading it see it, in the same shape and type. */
    NDArray apply(NDArray input);
}
