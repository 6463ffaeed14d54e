package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a step measured, one record per kind of step. {@link #values()} names each number as a recipe records it, in
 * the order measured; {@link Lineage#differences} compares those.
 */
public sealed interface StepMetrics permits StepMetrics.Pruned, StepMetrics.Shared, StepMetrics.Trained,
        StepMetrics.Quantized, StepMetrics.Smoothed, StepMetrics.Unmeasured {

    /** The numbers by their recipe names, in the order measured. */
    Map<String, Double> values();

    /**
     * What a pruning changed.
     *
     * @param parametersBefore parameters of the model pruned
     * @param layersDropped layers removed by depth pruning, or null for other methods
     * @param sparsity the share of linear weights now zero, for sparsity methods, or null
     * @param parameters parameters of the pruned model
     */
    record Pruned(long parametersBefore, Integer layersDropped, Double sparsity, long parameters)
            implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("parameters_before", (double) parametersBefore);
            if (layersDropped != null) {
                values.put("layers_dropped", (double) layersDropped);
            }
            if (sparsity != null) {
                values.put("sparsity", sparsity);
            }
            values.put("parameters", (double) parameters);
            return Collections.unmodifiableMap(values);
        }

        static Pruned fromJson(JsonNode json) {
            return new Pruned(json.path("parameters_before").asLong(),
                    json.has("layers_dropped") ? json.path("layers_dropped").asInt() : null,
                    json.has("sparsity") ? json.path("sparsity").asDouble() : null, json.path("parameters").asLong());
        }
    }

    /**
     * What sharing layers changed.
     *
     * @param parametersBefore parameters of the model whose layers were shared
     * @param parameters unique parameters of the shared model, each block counted once
     */
    record Shared(long parametersBefore, long parameters) implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("parameters_before", (double) parametersBefore);
            values.put("parameters", (double) parameters);
            return Collections.unmodifiableMap(values);
        }

        static Shared fromJson(JsonNode json) {
            return new Shared(json.path("parameters_before").asLong(), json.path("parameters").asLong());
        }
    }

    /**
     * What a training or distillation reached.
     *
     * @param finalLoss mean loss over the last tenth of the steps
     * @param tokens tokens trained on
     * @param teacherCorrectionLoss a distillation's teacher-correction final loss, or null when there was none
     */
    record Trained(double finalLoss, long tokens, Double teacherCorrectionLoss) implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("final_loss", finalLoss);
            values.put("tokens", (double) tokens);
            if (teacherCorrectionLoss != null) {
                values.put("teacher_correction_loss", teacherCorrectionLoss);
            }
            return Collections.unmodifiableMap(values);
        }

        static Trained fromJson(JsonNode json) {
            return new Trained(json.path("final_loss").asDouble(Double.NaN), json.path("tokens").asLong(),
                    json.has("teacher_correction_loss") ? json.path("teacher_correction_loss").asDouble() : null);
        }
    }

    /**
     * What a quantization stored.
     *
     * @param storedBytes bytes of the packed model
     * @param fp32Bytes bytes the same model takes in fp32
     */
    record Quantized(long storedBytes, long fp32Bytes) implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("stored_bytes", (double) storedBytes);
            values.put("fp32_bytes", (double) fp32Bytes);
            return Collections.unmodifiableMap(values);
        }

        static Quantized fromJson(JsonNode json) {
            return new Quantized(json.path("stored_bytes").asLong(), json.path("fp32_bytes").asLong());
        }
    }

    /**
     * What SmoothQuant's migration did to the activation outliers ({@link dev.topiary.quant.Smoothing.Result}).
     *
     * @param outlierRatioBefore the largest ratio of a channel's maximum to the median channel's maximum, over every
     *     smoothed linear input, before smoothing
     * @param outlierRatioAfter the same after smoothing
     */
    record Smoothed(double outlierRatioBefore, double outlierRatioAfter) implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            Map<String, Double> values = new LinkedHashMap<>();
            values.put("outlier_ratio_before", outlierRatioBefore);
            values.put("outlier_ratio_after", outlierRatioAfter);
            return Collections.unmodifiableMap(values);
        }

        static Smoothed fromJson(JsonNode json) {
            return new Smoothed(json.path("outlier_ratio_before").asDouble(Double.NaN),
                    json.path("outlier_ratio_after").asDouble(Double.NaN));
        }
    }

    /** A step that changed the weights by a rule alone and measured nothing. */
    record Unmeasured() implements StepMetrics {

        @Override
        public Map<String, Double> values() {
            return Map.of();
        }
    }
}
