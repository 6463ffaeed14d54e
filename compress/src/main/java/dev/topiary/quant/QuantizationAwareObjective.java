package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.Objective;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Quantization-aware training: another objective evaluated on the model as it will be quantized. Every linear
 * weight ({@link LlamaLayout#linearWeights}) is replaced by its {@link FakeQuantization} for the forward pass, so the
 * loss is that of the quantized model while the straight-through gradients update the full-precision master
 * weights, which the trainer optimises. Embeddings, norms and lm_head stay in floating point, as
 * {@link ModelQuantizer} keeps them.
 */
public final class QuantizationAwareObjective implements Objective {

    private final Objective inner;
    private final QuantScheme scheme;

    /** {@code inner} (language modelling, distillation, ...) measured on the model fake-quantized with {@code scheme}. */
    public QuantizationAwareObjective(Objective inner, QuantScheme scheme) {
        this.inner = Objects.requireNonNull(inner, "inner objective");
        this.scheme = Objects.requireNonNull(scheme, "scheme");
    }

    /**
     * The inner objective's loss on a view of {@code model} with fake-quantized linear weights. The fake-quantized
     * weights attach to the inputs' manager, as the loss does: run it inside an {@link ai.djl.ndarray.NDScope} per
     * step, as the trainer does.
     *
     * @throws dev.topiary.TopiaryException when a linear weight cannot be quantized with the scheme
     */
    @Override
    public NDArray loss(Llama model, NDArray inputs, NDArray targets) {
        Map<String, NDArray> fake = new LinkedHashMap<>();
        for (String name : LlamaLayout.linearWeights(model.config())) {
            fake.put(name, FakeQuantization.apply(model.parameters().get(name), scheme, inputs.getManager()));
        }
        try (Llama view = model.withParameters(fake)) {
            return inner.loss(view, inputs, targets);
        }
    }

    @Override
    public String toString() {
        return "quantization-aware(" + inner + ", " + scheme + ")";
    }
}
