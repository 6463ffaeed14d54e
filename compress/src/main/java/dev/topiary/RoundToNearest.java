package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.llama.Llama;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;

/**
 * Round-to-nearest quantization: each weight to the nearest code of its scale; needs no data.
 *
 * @param scheme the number format and which weights share a scale
 * @param embeddings whether the token embedding (and an untied LM head) are quantized too
 * @param activations how the inputs of the linear layers are quantized as the model runs ({@code NONE}: not)
 */
public record RoundToNearest(QuantScheme scheme, boolean embeddings, ActivationScheme activations)
        implements QuantizeStep {

    /** Round-to-nearest of the linear weights in {@code scheme}. */
    public RoundToNearest(QuantScheme scheme) {
        this(scheme, false, ActivationScheme.NONE);
    }

    /** Round-to-nearest of the linear weights in {@code precision}'s default scheme. */
    public static RoundToNearest of(Precision precision) {
        return new RoundToNearest(precision.scheme());
    }

    @Override
    public RoundToNearest withEmbeddings() {
        return new RoundToNearest(scheme, true, activations);
    }

    @Override
    public RoundToNearest withActivations(ActivationScheme scheme) {
        return new RoundToNearest(this.scheme, embeddings, scheme);
    }

    @Override
    public String method() {
        return "rtn";
    }

    @Override
    public RoundToNearest resolve(ModelDefaults defaults) {
        return this;
    }

    @Override
    public RoundToNearest withScheme(QuantScheme other) {
        return new RoundToNearest(other, embeddings, activations);
    }

    @Override
    public PackedModel pack(Llama source, Monitor monitor) {
        return ModelQuantizer.quantize(source, scheme, embeddings);
    }

    static RoundToNearest fromJson(JsonNode json) {
        return new RoundToNearest(QuantizeStep.schemeFromJson(json), QuantizeStep.embeddingsFromJson(json),
                QuantizeStep.activationsFromJson(json));
    }

    @Override
    public String toString() {
        return "quantize " + QuantizeStep.describe(scheme) + ", round-to-nearest"
                + (embeddings ? ", embeddings too" : "")
                + QuantizeStep.describe(activations);
    }
}
