package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.quant.QuantScheme;

/**
 * How {@link Model#quantize(Precision, Quantization)} rounds: to nearest ({@link #roundToNearest()}, the default,
 * needs no data) or by GPTQ ({@link #gptq()}, calibrated on sequences of the model's default corpus unless given).
 *
 * @param usesGptq whether weights are quantized by GPTQ rather than rounded to nearest
 * @param groupSize INT4 group size
 * @param calibration GPTQ's calibration sequences (ignored for round-to-nearest)
 */
public record Quantization(boolean usesGptq, int groupSize, Calibration calibration) {

    /** Calibration sequences of {@link #gptq()}. */
    public static final int GPTQ_SAMPLES = 128;

    /** Tokens per calibration sequence of {@link #gptq()}, one sequence per forward pass. */
    public static final int GPTQ_SEQUENCE_LENGTH = 256;

    public Quantization {
        if (groupSize < 1) {
            throw new TopiaryException("the INT4 group size must be positive, got " + groupSize);
        }
    }

    /** Round-to-nearest, INT4 groups of 128. */
    public static Quantization roundToNearest() {
        return new Quantization(false, QuantScheme.DEFAULT_GROUP_SIZE, null);
    }

    /** GPTQ on {@value #GPTQ_SAMPLES} sequences of {@value #GPTQ_SEQUENCE_LENGTH} tokens, INT4 groups of 128. */
    public static Quantization gptq() {
        return new Quantization(true, QuantScheme.DEFAULT_GROUP_SIZE, Calibration.defaults()
                .withSamples(GPTQ_SAMPLES).withBatch(1, GPTQ_SEQUENCE_LENGTH));
    }

    public Quantization withGroupSize(int size) {
        return new Quantization(usesGptq, size, calibration);
    }

    public Quantization withCalibration(Calibration c) {
        return new Quantization(usesGptq, groupSize, c);
    }

    /** These settings with GPTQ's calibration data resolved from the model's defaults. */
    Quantization resolve(Model model) {
        return usesGptq ? withCalibration(calibration.resolve(model, "GPTQ quantization")) : this;
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("method", usesGptq ? "gptq" : "rtn").put("group_size", groupSize);
        if (usesGptq) {
            json.set("calibration", calibration.toJson());
        }
        return json;
    }

    static Quantization fromJson(JsonNode json) {
        boolean gptq = json.path("method").asText().equals("gptq");
        return new Quantization(gptq, json.path("group_size").asInt(),
                gptq ? Calibration.fromJson(json.path("calibration")) : null);
    }

    @Override
    public String toString() {
        return usesGptq ? "GPTQ on " + calibration : "round-to-nearest";
    }
}
