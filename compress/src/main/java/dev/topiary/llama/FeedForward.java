package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/** The SwiGLU MLP: {@code down(silu(gate(x)) * up(x))}, each product's input passed through {@link LinearInputs}. */
final class FeedForward {

    private final NDArray gate;
    private final NDArray up;
    private final NDArray down;
    private final LinearInputs inputs;

    FeedForward(NDArray gate, NDArray up, NDArray down, LinearInputs inputs) {
        this.inputs = inputs;
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    NDArray forward(NDArray input, int layer, ActivationObserver observer) {
        NDArray x = inputs.apply(input);
        NDArray g = Linear.linear(x, gate).singletonOrThrow();
        NDArray activated = g.mul(Activation.sigmoid(g)).mul(Linear.linear(x, up).singletonOrThrow());
        observer.observe(layer, ActivationObserver.Site.MLP_DOWN_INPUT, activated);
        return Linear.linear(inputs.apply(activated), down).singletonOrThrow();
    }
}
