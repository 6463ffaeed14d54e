package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.MagnitudePruning;
import dev.topiary.prune.SparsityResult;

/**
 * Unstructured pruning: the smallest-magnitude {@code sparsity} of every linear weight zeroed; no calibration needed.
 *
 * @param sparsity the share of each matrix zeroed, in [0, 1)
 */
public record MagnitudeSparsity(double sparsity) implements PruneStep {

    public MagnitudeSparsity {
        checkSparsity(sparsity);
    }

    /** @throws TopiaryException unless {@code sparsity} is in [0, 1) */
    static void checkSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new TopiaryException("sparsity must be in [0, 1), got " + sparsity);
        }
    }

    @Override
    public String method() {
        return "magnitude";
    }

    @Override
    public Calibration calibration() {
        return null;
    }

    @Override
    public Pruned prune(PruneInput input) {
        return sparse(input, MagnitudePruning.prune(input.source(), sparsity));
    }

    /** The pruned model of a sparsity method: same architecture and derivation, some weights zero. */
    static Pruned sparse(PruneInput input, SparsityResult result) {
        return new Pruned(result.model(), input.derivation(), null, result.sparsity());
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("sparsity", sparsity);
    }

    static MagnitudeSparsity fromJson(JsonNode json) {
        return new MagnitudeSparsity(json.path("sparsity").asDouble());
    }

    @Override
    public String toString() {
        return PruneStep.describe("magnitude to sparsity " + sparsity, null);
    }
}
