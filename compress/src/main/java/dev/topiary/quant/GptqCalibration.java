package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.topiary.TopiaryException;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * GPTQ for a whole {@link Llama}: runs calibration token batches through the model, accumulates the Hessian proxy
 * of every linear layer's input, and quantizes each linear weight with {@link Gptq}.
 *
 * <p>Layer by layer, so only one layer's Hessians are held at a time (an 8B model's are 2 GB per layer in float64):
 * for layer {@code i} the calibration batches run through layers 0..i only (later layers are skipped). q, k and v
 * share the Hessian of the attention norm's output, gate and up that of the MLP norm's output; o and down have
 * their own, and each Hessian is inverted and factored once for the weights that share it. The inputs come from
 * the unquantized model; the reference implementation instead feeds each layer the outputs of the already
 * quantized layers before it ("sequential"), which can recover slightly more accuracy.
 */
public final class GptqCalibration {

    private GptqCalibration() {}

    /**
     * Quantizes every linear weight of {@code model} with GPTQ calibrated on {@code batches} (token ids
     * {@code [B, T]} each); {@code model} is left as it was.
     *
     * @throws TopiaryException when there are no batches, or a batch is not usable by the model
     */
    public static QuantizedModel quantize(Llama model, QuantScheme scheme, List<NDArray> batches) {
        if (batches.isEmpty()) {
            throw new TopiaryException("GPTQ needs at least one calibration batch of token ids, got none");
        }
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        int layers = model.config().numHiddenLayers();
        for (int layer = 0; layer < layers; layer++) {
            Map<Site, GptqHessian> prepared = new EnumMap<>(Site.class);
            try (NDManager manager = model.manager().newSubManager()) {
                hessians(model, batches, layer, manager).forEach((site, h) -> prepared.put(site,
                        GptqHessian.prepare(h, scheme, Gptq.DEFAULT_PERCDAMP)));
                Map<String, Site> inputs = new LinkedHashMap<>();
                inputs.put(LlamaLayout.qProj(layer), Site.ATTENTION_NORM);
                inputs.put(LlamaLayout.kProj(layer), Site.ATTENTION_NORM);
                inputs.put(LlamaLayout.vProj(layer), Site.ATTENTION_NORM);
                inputs.put(LlamaLayout.oProj(layer), Site.ATTENTION_OUTPUT_INPUT);
                inputs.put(LlamaLayout.gateProj(layer), Site.MLP_NORM);
                inputs.put(LlamaLayout.upProj(layer), Site.MLP_NORM);
                inputs.put(LlamaLayout.downProj(layer), Site.MLP_DOWN_INPUT);
                inputs.forEach((name, site) -> quantized.put(name, Gptq.quantize(model.parameters().get(name),
                        prepared.get(site), scheme)));
            } finally {
                prepared.values().forEach(GptqHessian::close);
            }
        }
        return ModelQuantizer.assemble(model, scheme, quantized);
    }

    /** The Hessian proxies of one layer's four linear inputs, by observation site, attached to {@code target}. */
    static Map<Site, NDArray> hessians(Llama model, List<NDArray> batches, int layer, NDManager target) {
        Map<Site, HessianAccumulator> accumulators = new EnumMap<>(Site.class);
        Set<Integer> skipped = new HashSet<>();
        for (int i = layer + 1; i < model.config().numHiddenLayers(); i++) {
            skipped.add(i);
        }
        ActivationObserver observer = (l, site, activation) -> {
            if (l != layer || !isLinearInput(site)) {
                return;
            }
            int columns = (int) activation.getShape().get(activation.getShape().dimension() - 1);
            accumulators.computeIfAbsent(site, s -> new HessianAccumulator(columns, model.device())).add(activation);
        };
        try {
            for (NDArray batch : batches) {
                try (NDScope scope = new NDScope()) {
                    model.forward(batch, observer, skipped).close();
                }
            }
            Map<Site, NDArray> hessians = new EnumMap<>(Site.class);
            accumulators.forEach((site, acc) -> hessians.put(site, acc.hessian(target)));
            return hessians;
        } finally {
            accumulators.values().forEach(HessianAccumulator::close);
        }
    }

    private static boolean isLinearInput(Site site) {
        return site == Site.ATTENTION_NORM || site == Site.ATTENTION_OUTPUT_INPUT || site == Site.MLP_NORM
                || site == Site.MLP_DOWN_INPUT;
    }
}
