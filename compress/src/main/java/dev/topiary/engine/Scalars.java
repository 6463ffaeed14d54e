package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Scalar operands held in libtorch's memory, for code that autograd differentiates.
 *
 * <p>DJL's {@code mul(Number)}, {@code div(Number)}, {@code maximum(Number)} and their kind wrap the number in an array
 * backed by a Java direct buffer and close that array as soon as the operation returns. Autograd keeps some operands
 * for the backward pass (a product's gradient is the other factor; a maximum's is routed by comparing with it), and
 * once the garbage collector has freed the buffer, the backward pass reads whatever that memory holds by then:
 * gradients, and so every trained weight, depended on when the collector happened to run. Arithmetic that is recorded
 * takes its scalar from here instead; operations that are not recorded may keep using DJL's {@code Number} overloads.
 */
public final class Scalars {

    private Scalars() {}

    /** A 0-d fp32 array holding {@code value}, on {@code like}'s manager, as DJL's {@code Number} overloads make. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().full(new Shape(), value);
    }
}
