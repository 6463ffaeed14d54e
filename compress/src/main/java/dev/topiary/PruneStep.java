package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;

/**
 * A pruning ({@link Model#prune()}), resolved: one record per method, holding its amount and the calibration data
 * that decided what was removed (none for magnitude pruning and explicit layer drops). A record turns the weights
 * into pruned ones ({@link #prune}); {@link CalibratedPruning} does what every method shares (importance measured
 * once, parameter counts, the model's lineage).
 */
public sealed interface PruneStep extends Step permits WidthByRatio, WidthToSizes, DepthByRatio, DepthToLayers,
        DropLayers, MagnitudeSparsity, WandaSparsity, NmPattern {

    /** The method's name in recipes. */
    String method();

    /** The sequences importance or input norms were measured on, or null for a method that needs none. */
    Calibration calibration();

    /** The pruned weights, from the model being pruned and its importance on the calibration data. */
    Pruned prune(PruneInput input);

    /** The method's own fields, after {@code verb} and {@code method}. */
    void writeFields(ObjectNode json);

    @Override
    default String verb() {
        return "prune";
    }

    @Override
    default String name() {
        return verb() + "." + method();
    }

    @Override
    default ObjectNode toJson() {
        ObjectNode json = Json.step(verb(), method());
        writeFields(json);
        if (calibration() != null) {
            json.set("calibration", calibration().toJson());
        }
        return json;
    }

    @Override
    default Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /** The pruned model. */
    default Model apply(Model model) {
        return model.prune().apply(this);
    }

    @Override
    default StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Pruned.fromJson(json);
    }

    /** The calibration a recipe records for a method, or null when it records none. */
    static Calibration calibrationFromJson(JsonNode json) {
        JsonNode calibration = json.get("calibration");
        return calibration == null ? null : Calibration.fromJson(calibration);
    }

    /** The text after "prune " in a lineage: the method, then the calibration when there is one. */
    static String describe(String what, Calibration calibration) {
        return "prune " + what + (calibration != null ? ", calibrated on " + calibration : "");
    }

    /**
     * What a method made.
     *
     * @param model the pruned weights
     * @param derivation which of the origin's channels and layers the pruned model keeps
     * @param layersDropped layers removed, for depth methods, else null
     * @param sparsity the share of linear weights now zero, for sparsity methods, else null
     */
    record Pruned(Llama model, Derivation derivation, Integer layersDropped, Double sparsity) {}
}
