package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;

/**
 * Root-mean-square layer norm: {@code x / sqrt(mean(x^2) + eps) * weight}.
 *
 * <p>In fp32 it is computed as written. In fp16, squares of activations above 256 would overflow, and casting to
 * fp32 and back would cut the gradient path (see {@link dev.topiary.engine.Precision32}); so each row is first
 * divided by its largest magnitude s: {@code x / sqrt(mean(x^2) + eps) = (x/s) / sqrt(mean((x/s)^2) + eps/s^2)}
 * holds for any s > 0, so s is taken as a constant (no gradient flows through it, and none needs to), and every
 * intermediate of the forward and backward pass stays in range.
 */
final class RmsNorm {

    /** Rows whose largest magnitude is below this are treated as having it, so an all-zero row stays zero. */
    private static final float MIN_ROW_SCALE = 1e-4f;

    private final NDArray weight;
    private final float eps;

    RmsNorm(NDArray weight, double eps) {
        this.weight = weight;
        this.eps = (float) eps;
    }

    NDArray weight() {
        return weight;
    }

    NDArray forward(NDArray x) {
        if (x.getDataType() == DataType.FLOAT32) {
            NDArray rms = x.square().mean(new int[] {-1}, true).add(eps).sqrt();
            return x.div(rms).mul(weight);
        }
        NDArray scale = NDArrays.maximum(x.abs().max(new int[] {-1}, true), MIN_ROW_SCALE).stopGradient();
        NDArray scaled = x.div(scale);
        // eps / s^2 is a constant too; it is formed in fp32 because s^2 underflows fp16 for small rows.
        NDArray epsTerm = scale.toType(DataType.FLOAT32, false).square().pow(-1).mul(eps).toType(x.getDataType(), false);
        NDArray rms = scaled.square().mean(new int[] {-1}, true).add(epsTerm).sqrt();
        return scaled.div(rms).mul(weight);
    }
}
