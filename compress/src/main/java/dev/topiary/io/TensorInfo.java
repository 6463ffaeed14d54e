package dev.topiary.io;

import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name the tensor's name, e.g. {@code model.layers.0.mlp.up_proj.weight}
 * @param dtype the stored element type
 * @param shape the dimensions, row-major; empty for a scalar
 * @param begin first byte of the data, relative to the start of the file's data section
 * @param end one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, TensorDType dtype, long[] shape, long begin, long end) {

    /** Copies {@code shape}, so later changes to the caller's array do not reach this record. */
    public TensorInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The dimensions as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** The number of elements: the product of the dimensions (1 for a scalar). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The number of data bytes, {@code end - begin}. */
    public long byteSize() {
        return end - begin;
    }

    // Records compare arrays by identity; two entries describing the same tensor should be equal.
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && begin == t.begin
                && end == t.end;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), begin, end);
    }

    @Override
    public String toString() {
        return name + " " + dtype.safetensorsName() + Arrays.toString(shape) + " @[" + begin + ", " + end + ")";
    }
}
