package dev.topiary.quant;

import dev.topiary.TopiaryException;

/**
 * How GPTQ solves each layer, as the reference implementation's options name them.
 *
 * @param percdamp the dampening added to the Hessian's diagonal, as a fraction of its mean diagonal
 * @param actOrder {@code act_order}: quantize the columns in order of decreasing Hessian diagonal (the inputs with
 *     the largest activations first, while the most columns are left to take their errors) instead of left to
 *     right. The codes stay in the tensor's own column order. With groups, every group's scale parameters are then
 *     fitted from the original weights before any column is quantized (the reference's {@code static_groups}), so
 *     each group still covers consecutive columns and the packed layout is unchanged.
 */
public record GptqOptions(double percdamp, boolean actOrder) {

    /** The reference implementation's dampening: 1% of the mean Hessian diagonal. */
    public static final double DEFAULT_PERCDAMP = 0.01;

    /** The reference's defaults: 1% dampening, columns left to right. */
    public static final GptqOptions DEFAULT = new GptqOptions(DEFAULT_PERCDAMP, false);

    /** @throws TopiaryException when the dampening is negative or not finite */
    public GptqOptions {
        if (!(percdamp >= 0) || Double.isInfinite(percdamp)) {
            throw new TopiaryException("GPTQ dampening must be a finite non-negative fraction, got " + percdamp);
        }
    }

    /** These options with {@code act_order} on or off. */
    public GptqOptions withActOrder(boolean on) {
        return new GptqOptions(percdamp, on);
    }
}
