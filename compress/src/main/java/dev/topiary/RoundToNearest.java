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
 */
public record RoundToNearest(QuantScheme scheme) implements QuantizeStep {

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
        return new RoundToNearest(other);
    }

    @Override
    public PackedModel pack(Llama source, Monitor monitor) {
        return ModelQuantizer.quantize(source, scheme);
    }

    static RoundToNearest fromJson(JsonNode json) {
        return new RoundToNearest(QuantizeStep.schemeFromJson(json));
    }

    @Override
    public String toString() {
        return "quantize " + QuantizeStep.describe(scheme) + ", round-to-nearest";
    }
}
