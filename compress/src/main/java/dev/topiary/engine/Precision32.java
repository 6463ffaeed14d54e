package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Differentiable widening to fp32.
 *
 * <p>DJL's {@code NDArray.toType} cuts the autograd graph (the result has no gradient function, measured with DJL
 * 0.35.1 / PyTorch 2.7.1), so a cast inside a training forward pass silently stops gradients. Multiplying by a
 * one-element fp32 tensor widens through PyTorch's type promotion instead, which autograd follows. There is no
 * differentiable narrowing, so half-precision forward passes stay in fp16 until they widen for good.
 */
public final class Precision32 {

    private Precision32() {}

    /** {@code x} as fp32, keeping its gradient path; {@code x} itself when it already is fp32. */
    public static NDArray widen(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            return x;
        }
        return x.mul(x.getManager().ones(new Shape(1), DataType.FLOAT32).toDevice(x.getDevice(), false));
    }
}
