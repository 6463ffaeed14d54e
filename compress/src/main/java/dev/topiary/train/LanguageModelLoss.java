package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.topiary.engine.Precision32;

/** Next-token cross-entropy: the language-modelling loss of pre-training and of evaluation. */
public final class LanguageModelLoss {

    private LanguageModelLoss() {}

    /**
     * Negative log-likelihood of each target under the logits, {@code [B, T]}, in fp32.
     *
     * @param logits {@code [B, T, V]}
     * @param targets {@code [B, T]} integer token ids
     */
    public static NDArray perToken(NDArray logits, NDArray targets) {
        NDArray index = targets.toType(DataType.INT64, false).expandDims(-1);
        return Precision32.widen(logits).logSoftmax(-1).gather(index, -1).squeeze(-1).neg();
    }

    /** The mean negative log-likelihood over all targets, a scalar. */
    public static NDArray mean(NDArray logits, NDArray targets) {
        return perToken(logits, targets).mean();
    }
}
