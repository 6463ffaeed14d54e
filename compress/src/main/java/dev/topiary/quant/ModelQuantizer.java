package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Quantizes the linear weights of a {@link Llama}: q, k, v, o, gate, up and down projections of every layer.
 * Embeddings, norms and lm_head stay in floating point by default, as is standard: they are a small share of a large
 * model and the most sensitive to rounding. In a small model the embedding is most of the bytes, so it (with an
 * untied lm_head) can be quantized too, by round to nearest ({@code embeddings}).
 */
public final class ModelQuantizer {

    private ModelQuantizer() {}

    /** Round-to-nearest quantization of every linear weight; {@code model} is left as it was. */
    public static PackedModel quantize(Llama model, QuantScheme scheme) {
        return quantize(model, scheme, Map.of());
    }

    /**
     * Round-to-nearest quantization of every linear weight, and with {@code embeddings} of the token embedding and
     * an untied lm_head too; {@code model} is left as it was.
     */
    public static PackedModel quantize(Llama model, QuantScheme scheme, boolean embeddings) {
        return quantize(model, scheme, Map.of(), embeddings);
    }

    /**
     * Quantizes every linear weight: with GPTQ where {@code hessians} holds that weight's Hessian proxy (by tensor
     * name, see {@link HessianAccumulator}), with round to nearest elsewhere. {@code model} is left as it was; the
     * floating tensors of the result are copies.
     */
    public static PackedModel quantize(Llama model, QuantScheme scheme, Map<String, NDArray> hessians) {
        return quantize(model, scheme, hessians, false);
    }

    private static PackedModel quantize(Llama model, QuantScheme scheme, Map<String, NDArray> hessians,
            boolean embeddings) {
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        // One preparation (inverse and factorisation) per distinct Hessian array: q, k and v usually share one.
        Map<NDArray, GptqHessian> prepared = new IdentityHashMap<>();
        try {
            for (String name : LlamaLayout.linearWeights(model.config())) {
                NDArray weight = model.parameters().get(name);
                NDArray hessian = hessians.get(name);
                quantized.put(name, hessian == null ? QuantizedTensor.quantize(weight, scheme)
                        : Gptq.quantize(weight, prepared.computeIfAbsent(hessian,
                                h -> GptqHessian.prepare(h, scheme, GptqOptions.DEFAULT)), scheme));
            }
        } finally {
            prepared.values().forEach(GptqHessian::close);
        }
        return assemble(model, scheme, quantized, embeddings);
    }

    /**
     * A model of {@code quantized} (every linear weight), with {@code embeddings} the token embedding and an untied
     * lm_head quantized by round to nearest, and fp32 copies of {@code model}'s other tensors.
     */
    static PackedModel assemble(Llama model, QuantScheme scheme, Map<String, QuantizedTensor> linear,
            boolean embeddings) {
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>(linear);
        if (embeddings) {
            for (String name : new String[] {LlamaLayout.EMBED_TOKENS, LlamaLayout.LM_HEAD}) {
                NDArray weight = model.parameters().get(name);
                if (weight != null) {
                    quantized.put(name, QuantizedTensor.quantize(weight, scheme));
                }
            }
        }
        Map<String, NDArray> floating = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            if (!quantized.containsKey(e.getKey())) {
                floating.put(e.getKey(), e.getValue().toType(DataType.FLOAT32, true));
            }
        }
        return new PackedModel(model.config(), scheme, quantized, floating, "quantization of " + model.config());
    }
}
