package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.topiary.TopiaryException;

/**
 * Fake quantization for quantization-aware training: a weight replaced by its quantized-then-dequantized values in
 * the forward pass, with a straight-through estimator in the backward pass.
 *
 * <p>The values are exactly those of {@link QuantizedTensor#quantize} followed by {@link QuantizedTensor#dequantize}
 * (the same codec, run in Java, so what training sees is what export stores); the gradient with respect to the
 * weight is the identity, as if rounding were not there: {@code q(w) + (w - stopGradient(w))}, whose second term is
 * exactly zero. Each call copies the weight to the host and back, once per forward pass.
 */
public final class FakeQuantization {

    private FakeQuantization() {}

    /**
     * {@code weight} {@code [out, in]} fake-quantized with {@code scheme}, in the weight's type and on its device,
     * attached to {@code manager}; differentiable with identity gradient.
     *
     * @throws TopiaryException when the weight cannot be quantized with the scheme (see
     *     {@link QuantizedTensor#quantize})
     */
    public static NDArray apply(NDArray weight, QuantScheme scheme, NDManager manager) {
        QuantizedTensor quantized = QuantizedTensor.quantize(weight, scheme);
        try (NDArray values = quantized.dequantize(manager);
                NDArray typed = values.toType(weight.getDataType(), true);
                NDArray placed = typed.toDevice(weight.getDevice(), true);
                NDArray detached = weight.stopGradient();
                NDArray zero = weight.sub(detached)) {
            // Results attach to the first operand's manager: placed, like values, lives under manager.
            return placed.add(zero);
        }
    }
}
