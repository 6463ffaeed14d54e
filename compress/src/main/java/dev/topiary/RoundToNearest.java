package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.llama.Llama;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;

/**
 * Round-to-nearest quantization: each weight to the nearest code of its scale; needs no data.
 *
 * @param scheme the number format and which weights share a scale
 * @param embeddings whether the token embedding (and an untied LM head) are quantized too
 */
public record RoundToNearest(QuantScheme scheme, boolean embeddings) implements QuantizeStep {

    /** Round-to-nearest of the linear weights in {@code scheme}. */
    public RoundToNearest(QuantScheme scheme) {
        this(scheme, false);
    }

    /** Round-to-nearest of the linear weights in {@code precision}'s default scheme. */
    public static RoundToNearest of(Precision precision) {
        return new RoundToNearest(precision.scheme());
    }

    @Override
    public RoundToNearest withEmbeddings() {
        return new RoundToNearest(scheme, true);
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
        return new RoundToNearest(other, embeddings);
    }

    @Override
    public PackedModel pack(Llama source, Monitor monitor) {
        return ModelQuantizer.quantize(source, scheme, embeddings);
    }

    static RoundToNearest fromJson(JsonNode json) {
        return new RoundToNearest(QuantizeStep.schemeFromJson(json), QuantizeStep.embeddingsFromJson(json));
    }

    @Override
    public String toString() {
        return "quantize " + QuantizeStep.describe(scheme) + ", round-to-nearest" + (embeddings ? ", embeddings too" : "");
    }
}
