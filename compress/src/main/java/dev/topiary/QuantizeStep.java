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
        String precision = json.path("precision").asText();
        try {
            return new QuantizeStep(Precision.valueOf(precision), Quantization.fromJson(json));
        } catch (IllegalArgumentException e) {
            throw new TopiaryException("unknown precision '" + precision + "' in recipe: expected INT8, INT4 or FP8");
        }
    }

    @Override
    public String toString() {
        return "quantize " + precision + (precision == Precision.INT4 ? " (groups of " + quantization.groupSize()
                + ")" : "") + ", " + quantization;
    }
}
