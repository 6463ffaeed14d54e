package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Root-mean-square layer norm: {@code x / sqrt(mean(x^2) + eps) * weight}, statistics taken in fp32. */
final class RmsNorm {

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
        NDArray x32 = x.toType(DataType.FLOAT32, false);
        NDArray rms = x32.square().mean(new int[] {-1}, true).add(eps).sqrt();
        return x32.div(rms).toType(x.getDataType(), false).mul(weight);
    }
}
