package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.PruningPlan;

/**
 * Depth pruning to {@code layers} layers, those with the smallest {@code 1 - cos(input, output)} removed.
 *
 * @param layers layers kept
 * @param calibration the sequences layer importance is measured on
 */
public record DepthToLayers(int layers, Calibration calibration) implements PruneStep {

    @Override
    public String method() {
        return "layers";
    }

    @Override
    public Pruned prune(PruneInput input) {
        PruningPlan.depth(input.config(), layers);
        return pruneTo(input, layers, calibration);
    }

    /** Depth pruning of {@code input} to {@code keep} layers, by importance on {@code calibration}. */
    static Pruned pruneTo(PruneInput input, int keep, Calibration calibration) {
        int[] dropped = ImportanceSelection.leastImportantLayers(input.importanceOn(calibration),
                input.config().numHiddenLayers() - keep);
        return DropLayers.drop(input, dropped);
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("layers", layers);
    }

    static DepthToLayers fromJson(JsonNode json) {
        return new DepthToLayers(json.path("layers").asInt(), PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe("depth to " + layers + " layers", calibration);
    }
}
