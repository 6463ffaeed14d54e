package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Post-training weight quantization ({@link Model#quantize}), resolved. */
public record QuantizeStep(Precision precision, Quantization quantization) implements Step {

    @Override
    public String verb() {
        return "quantize";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Lineage.object("verb", verb());
        json.put("precision", precision.name());
        json.setAll(quantization.toJson());
        return json;
    }

    static QuantizeStep fromJson(JsonNode json) {
        return new QuantizeStep(Precision.parse(json.path("precision").asText()), Quantization.fromJson(json));
    }

    @Override
    public String toString() {
        return "quantize " + precision + (precision == Precision.INT4 ? " (groups of " + quantization.groupSize()
                + ")" : "") + ", " + quantization;
    }
}
