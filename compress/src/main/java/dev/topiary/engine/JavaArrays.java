package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * NDArrays from Java arrays, through {@link NativeArrays} so that libtorch owns a copy.
 *
 * <p>{@code NDManager.create} does not copy: the array's storage is a Java direct buffer that only the DJL handle
 * keeps alive. Once that handle is closed (as a forward pass's scope closes its temporaries) the buffer may be
 * collected and its memory reused while libtorch still reads it: autograd keeps the operands of a product for the
 * backward pass, so rotary tables made that way gave gradients that depended on when the collector ran. Values that
 * enter a computation outliving their handle must come from here.
 */
public final class JavaArrays {

    private JavaArrays() {}

    public static NDArray floats(NDManager manager, float[] values, Shape shape) {
        return NativeArrays.build(manager, shape, DataType.FLOAT32, (first, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                buffer.putFloat(values[(int) first + i]);
            }
        });
    }

    public static NDArray doubles(NDManager manager, double[] values, Shape shape) {
        return NativeArrays.build(manager, shape, DataType.FLOAT64, (first, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                buffer.putDouble(values[(int) first + i]);
            }
        });
    }

    public static NDArray longs(NDManager manager, long[] values, Shape shape) {
        return NativeArrays.build(manager, shape, DataType.INT64, (first, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                buffer.putLong(values[(int) first + i]);
            }
        });
    }

    /** {@code type} is INT8 or UINT8: the bytes are stored as they are. */
    public static NDArray bytes(NDManager manager, byte[] values, Shape shape, DataType type) {
        return NativeArrays.build(manager, shape, type, (first, count, buffer) -> buffer.put(values, (int) first, count));
    }
}
