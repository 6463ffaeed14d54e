package dev.topiary;

import dev.topiary.quant.QuantScheme;

/** Weight precisions of {@link Model#quantize}: the number formats Topiary stores packed. */
public enum Precision {
    /** INT8, symmetric, one scale per output channel. */
    INT8,
    /** INT4, asymmetric, one scale and zero point per group of input weights (128 by default). */
    INT4,
    /** FP8 E4M3, one scale per tensor. */
    FP8;

    /** The quantization scheme; {@code groupSize} applies to {@link #INT4} only. */
    public QuantScheme scheme(int groupSize) {
        return switch (this) {
            case INT8 -> QuantScheme.INT8;
            case INT4 -> QuantScheme.int4(groupSize);
            case FP8 -> QuantScheme.FP8_E4M3;
        };
    }
}
