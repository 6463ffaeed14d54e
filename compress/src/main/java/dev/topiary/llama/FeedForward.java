package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;

/** The SwiGLU MLP: {@code down(silu(gate(x)) * up(x))}. */
final class FeedForward {

    private final NDArray gate;
    private final NDArray up;
    private final NDArray down;

    FeedForward(NDArray gate, NDArray up, NDArray down) {
        this.gate = gate;
        this.up = up;
        this.down = down;
    }

    NDArray forward(NDArray x, int layer, ActivationObserver observer) {
        NDArray g = Linear.linear(x, gate).singletonOrThrow();
        NDArray activated = g.mul(Activation.sigmoid(g)).mul(Linear.linear(x, up).singletonOrThrow());
        observer.observe(layer, ActivationObserver.Site.MLP_DOWN_INPUT, activated);
        return Linear.linear(activated, down).singletonOrThrow();
    }
}
