package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;

/**
 * Overwriting an array's values in place.
 *
 * <p>Never use DJL's {@code NDArray.copyTo} for this with the PyTorch engine: it hands the target the source's
 * buffer instead of copying from it, so the target reads freed memory once the source is closed (the JVM crashed
 * this way, measured with DJL 0.35.1 / PyTorch 2.7.1). Indexed assignment copies.
 */
public final class InPlace {

    private static final NDIndex ALL = new NDIndex("...");

    private InPlace() {}

    /** Copies {@code source}'s values (same shape; converted to the target's type) into {@code target}. */
    public static void copy(NDArray source, NDArray target) {
        if (!source.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("cannot copy " + source.getShape() + " values into " + target.getShape());
        }
        try (NDArray converted = source.toType(target.getDataType(), true)) {
            target.set(ALL, converted);
        }
    }

    /** Sets every value of {@code target} to zero, also where it held infinities or NaN. */
    public static void zero(NDArray target) {
        try (NDArray zeros = target.zerosLike()) {
            target.set(ALL, zeros);
        }
    }
}
