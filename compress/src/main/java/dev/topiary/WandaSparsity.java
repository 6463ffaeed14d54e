package dev.topiary;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.WandaPruning;

/**
 * Unstructured, activation-aware pruning (Wanda): in each output row the weights with the smallest |W|·‖X‖ zeroed.
 *
 * @param sparsity the share of each row zeroed, in [0, 1)
 * @param calibration the sequences the input norms ‖X‖ are measured on
 */
public record WandaSparsity(double sparsity, Calibration calibration) implements PruneStep {

    public WandaSparsity {
        MagnitudeSparsity.checkSparsity(sparsity);
    }

    @Override
    public String method() {
        return "wanda";
    }

    @Override
    public Pruned prune(PruneInput input) {
        try (NDManager manager = input.source().manager().newSubManager()) {
            return MagnitudeSparsity.sparse(input, WandaPruning.prune(input.source(),
                    input.inputNorms(calibration, manager), sparsity));
        }
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("sparsity", sparsity);
    }

    static WandaSparsity fromJson(JsonNode json) {
        return new WandaSparsity(json.path("sparsity").asDouble(), PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe("Wanda to sparsity " + sparsity, calibration);
    }
}
