package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.PruningPlan;
import dev.topiary.prune.WidthPruner;
import dev.topiary.prune.WidthSelection;

/**
 * Width pruning by Minitron importance to explicit sizes: the least important hidden channels, heads (within each KV
 * group) and FFN neurons are cut everywhere they appear; KV heads, head_dim and layers are kept.
 *
 * @param hidden hidden size kept
 * @param ffn FFN (intermediate) size kept
 * @param heads attention heads kept
 * @param calibration the sequences importance is measured on
 */
public record WidthToSizes(int hidden, int ffn, int heads, Calibration calibration) implements PruneStep {

    @Override
    public String method() {
        return "width";
    }

    @Override
    public Pruned prune(PruneInput input) {
        return pruneTo(input, PruningPlan.width(input.config(), hidden, ffn, heads).target(), calibration);
    }

    /** Width pruning of {@code input} to the architecture {@code target}, by importance on {@code calibration}. */
    static Pruned pruneTo(PruneInput input, LlamaConfig target, Calibration calibration) {
        WidthSelection selection = ImportanceSelection.width(input.importanceOn(calibration), input.config(), target);
        return new Pruned(WidthPruner.apply(input.source(), selection),
                input.derivation().keepChannels(selection.hiddenChannels()), null, null);
    }

    @Override
    public void writeFields(ObjectNode json) {
        json.put("hidden", hidden).put("ffn", ffn).put("heads", heads);
    }

    static WidthToSizes fromJson(JsonNode json) {
        return new WidthToSizes(json.path("hidden").asInt(), json.path("ffn").asInt(), json.path("heads").asInt(),
                PruneStep.calibrationFromJson(json));
    }

    @Override
    public String toString() {
        return PruneStep.describe("width to hidden " + hidden + ", ffn " + ffn + ", heads " + heads, calibration);
    }
}
