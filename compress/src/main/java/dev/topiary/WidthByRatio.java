package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.PruningPlan;

/**
 * Width pruning by Minitron importance to about {@code keepFraction} of the parameters, heads kept: hidden and FFN
 * shrink together, as Minitron-4B-Width does, to the aligned sizes {@link PruningPlan#widthRatio} chooses.
 *
 * @param keepFraction the fraction of the parameters kept, in (0, 1]
 * @param calibration the sequences importance is measured on
 */
public record WidthByRatio(double keepFraction, Calibration calibration) implements PruneStep {

    @Override
    public String method() {
        return "width_ratio";
    }

    @Override
    public Pruned prune(PruneInput input) {
        return WidthToSizes.pruneTo(input, PruningPlan.widthRatio(input.config(), keepFraction).target(), calibration);
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("keep_fraction", keepFraction);
    }

    static WidthByRatio fromJson(JsonNode json) {
        return new WidthByRatio(json.path("keep_fraction").asDouble(), PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe("width, keeping " + keepFraction + " of the parameters", calibration);
    }
}
