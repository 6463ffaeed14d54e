package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.NativeArrays;

/**
 * NDArrays from Java arrays, through {@link NativeArrays} so that libtorch owns a copy and no direct buffer lingers
 * until garbage collection ({@code NDManager.create} on a direct buffer does not copy).
 */
final class JavaArrays {

    private JavaArrays() {}

    static NDArray floats(NDManager manager, float[] values, Shape shape) {
        return NativeArrays.build(manager, shape, DataType.FLOAT32, (first, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                buffer.putFloat(values[(int) first + i]);
            }
        });
    }

    static NDArray doubles(NDManager manager, double[] values, Shape shape) {
        return NativeArrays.build(manager, shape, DataType.FLOAT64, (first, count, buffer) -> {
            for (int i = 0; i < count; i++) {
                buffer.putDouble(values[(int) first + i]);
            }
        });
    }

    /** {@code type} is INT8 or UINT8: the bytes are stored as they are. */
    static NDArray bytes(NDManager manager, byte[] values, Shape shape, DataType type) {
        return NativeArrays.build(manager, shape, type, (first, count, buffer) -> buffer.put(values, (int) first, count));
    }
}
