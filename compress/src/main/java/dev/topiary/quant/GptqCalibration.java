package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.topiary.TopiaryException;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.LayerInputs;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Sequential GPTQ for a whole {@link Llama}: runs calibration token batches through the model layer by layer,
 * accumulates the Hessian proxy of each linear layer's input, and quantizes each linear weight with {@link Gptq}.
 *
 * <p>As the reference implementation with {@code true-sequential}: each weight is calibrated on the inputs it will
 * see in the quantized model. Within layer {@code i}, in order, q, k and v share the Hessian of the attention
 * norm's output, o that of its own input, gate and up that of the MLP norm's output, down that of its own input;
 * each Hessian is measured on a view of the model ({@link Llama#withParameters}) in which every weight quantized
 * so far is replaced by its dequantized values. As the reference, the calibration inputs are carried from layer to
 * layer ({@link LayerInputs}): each batch is embedded once, layer {@code i} runs on what the quantized layer
 * {@code i - 1} produced, once for each of its four groups (each pass stopping at the group's input) and once more
 * for its output. One Hessian is held, inverted and factored at a time (an 8B model's down projection's is 1.6 GB in
 * float64). The dequantized copies of the weights quantized so far are held on the model's device until the end.
 */
public final class GptqCalibration {

    private GptqCalibration() {}

    /**
     * How far a calibration has come: {@code done} of {@code total} groups of weights sharing an input (four per
     * layer: q/k/v, o, gate/up, down), {@code group} the one quantized last, e.g. {@code "layer 3 gate_proj/up_proj"}
     * (empty at the start).
     */
    public record Reached(int done, int total, String group) {}

    /** {@link #quantize(Llama, QuantScheme, List, GptqOptions, boolean, Consumer)}: linear weights, the defaults. */
    public static PackedModel quantize(Llama model, QuantScheme scheme, List<NDArray> batches) {
        return quantize(model, scheme, batches, GptqOptions.DEFAULT, false, reached -> { });
    }

    /**
     * Quantizes every linear weight of {@code model} with GPTQ calibrated on {@code batches} (token ids
     * {@code [B, T]} each); with {@code embeddings}, the token embedding and an untied lm_head by round to nearest
     * too. {@code model} is left as it was. {@code progress} hears of the start (0 done) and of each group of weights
     * when it is quantized; an exception it throws (a cancellation) stops the work there.
     *
     * @throws TopiaryException when there are no batches, a batch is not usable by the model, or its layers share
     *     weights
     */
    public static PackedModel quantize(Llama model, QuantScheme scheme, List<NDArray> batches, GptqOptions options,
            boolean embeddings, Consumer<Reached> progress) {
        model.config().checkUnshared("GPTQ, which calibrates each layer on that layer's inputs,");
        if (batches.isEmpty()) {
            throw new TopiaryException("GPTQ needs at least one calibration batch of token ids, got none");
        }
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        int layers = model.config().numHiddenLayers();
        int total = layers * groups(0).size();
        progress.accept(new Reached(0, total, ""));
        int done = 0;
        try (NDManager dequantized = model.manager().newSubManager();
                LayerInputs inputs = LayerInputs.embed(model, batches)) {
            Map<String, NDArray> prefix = new LinkedHashMap<>();
            for (int layer = 0; layer < layers; layer++) {
                for (Map.Entry<Site, List<String>> group : groups(layer).entrySet()) {
                    int columns = (int) model.parameters().get(group.getValue().get(0)).getShape().get(1);
                    try (Llama view = model.withParameters(prefix);
                            NDManager scratch = model.manager().newSubManager();
                            GptqHessian prepared = GptqHessian.prepare(
                                    hessian(view, inputs, group.getKey(), columns, scratch), scheme, options)) {
                        for (String name : group.getValue()) {
                            QuantizedTensor q = Gptq.quantize(model.parameters().get(name), prepared, scheme);
                            quantized.put(name, q);
                            try (NDArray values = q.dequantize(dequantized)) {
                                NDArray typed = values.toType(model.dataType(), true);
                                typed.attach(dequantized);
                                prefix.put(name, typed);
                            }
                        }
                    }
                    progress.accept(new Reached(++done, total, "layer " + layer + " " + group.getValue().stream()
                            .map(LlamaLayout::kind).collect(Collectors.joining("/"))));
                }
                if (layer + 1 < layers) {
                    try (Llama view = model.withParameters(prefix)) {
                        inputs.advance(view);
                    }
                }
            }
        }
        return ModelQuantizer.assemble(model, scheme, quantized, embeddings);
    }

    /** Layer {@code layer}'s linear weights by the input they read, in the order the layer computes them. */
    private static Map<Site, List<String>> groups(int layer) {
        Map<Site, List<String>> groups = new LinkedHashMap<>();
        groups.put(Site.ATTENTION_NORM,
                List.of(LlamaLayout.qProj(layer), LlamaLayout.kProj(layer), LlamaLayout.vProj(layer)));
        groups.put(Site.ATTENTION_OUTPUT_INPUT, List.of(LlamaLayout.oProj(layer)));
        groups.put(Site.MLP_NORM, List.of(LlamaLayout.gateProj(layer), LlamaLayout.upProj(layer)));
        groups.put(Site.MLP_DOWN_INPUT, List.of(LlamaLayout.downProj(layer)));
        return groups;
    }

    /**
     * The Hessian proxy of the {@code columns}-wide input that the held layer's linear weights read at {@code site}
     * (one of the four linear inputs), from one pass of {@code model}'s layer over the inputs held, stopping there;
     * attached to {@code target}.
     */
    private static NDArray hessian(Llama model, LayerInputs inputs, Site site, int columns, NDManager target) {
        try (HessianAccumulator accumulator = new HessianAccumulator(columns, model.device())) {
            inputs.observe(model, (l, s, activation) -> {
                if (s == site) {
                    accumulator.add(activation);
                }
            }, site);
            return accumulator.hessian(target);
        }
    }
}
