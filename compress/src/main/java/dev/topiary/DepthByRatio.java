package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.PruningPlan;

/**
 * Depth pruning to {@code round(layers * keepFraction)} layers, those with the smallest
 * {@code 1 - cos(input, output)} removed.
 *
 * @param keepFraction the fraction of the layers kept, in (0, 1]
 * @param calibration the sequences layer importance is measured on
 */
public record DepthByRatio(double keepFraction, Calibration calibration) implements PruneStep {

    @Override
    public String method() {
        return "depth_ratio";
    }

    @Override
    public Pruned prune(PruneInput input) {
        int keep = PruningPlan.depthRatio(input.config(), keepFraction).target().numHiddenLayers();
        return DepthToLayers.pruneTo(input, keep, calibration);
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("keep_fraction", keepFraction);
    }

    static DepthByRatio fromJson(JsonNode json) {
        return new DepthByRatio(json.path("keep_fraction").asDouble(), PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe("depth, keeping " + keepFraction + " of the layers", calibration);
    }
}
