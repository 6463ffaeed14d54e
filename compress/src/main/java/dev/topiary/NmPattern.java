package dev.topiary;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.NmSparsity;

/**
 * N:M semi-structured sparsity: in every M consecutive input weights, the N with the largest scores kept; scored by
 * magnitude, or by Wanda's |W|·‖X‖ when calibrated (2:4 is the pattern sparse tensor cores run).
 *
 * @param n weights kept of every {@code m}
 * @param m the block of consecutive input weights
 * @param calibration the sequences Wanda's input norms are measured on, or null to score by magnitude
 */
public record NmPattern(int n, int m, Calibration calibration) implements PruneStep {

    @Override
    public String method() {
        return "nm";
    }

    @Override
    public Pruned prune(PruneInput input) {
        if (calibration == null) {
            return MagnitudeSparsity.sparse(input, NmSparsity.prune(input.source(), n, m));
        }
        try (NDManager manager = input.source().manager().newSubManager()) {
            return MagnitudeSparsity.sparse(input, NmSparsity.prune(input.source(),
                    input.inputNorms(calibration, manager), n, m));
        }
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("n", n).put("m", m);
    }

    static NmPattern fromJson(JsonNode json) {
        return new NmPattern(json.path("n").asInt(), json.path("m").asInt(), PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe(n + ":" + m + (calibration != null ? " by Wanda" : " by magnitude"), calibration);
    }
}
