package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One verb applied to a model, with every option that decided its result (data, seeds, budgets) resolved: an entry
 * of a {@link Lineage}, and a line of a recipe file.
 */
public sealed interface Step permits PruneStep, TrainStep, DistillStep, QuantizeStep {

    /** The verb: prune, train, distill or quantize. */
    String verb();

    /** The step as a recipe records it, {@code "verb"} included. */
    ObjectNode toJson();

    /** The step a recipe records. */
    static Step fromJson(JsonNode json) {
        String verb = json.path("verb").asText();
        return switch (verb) {
            case "prune" -> PruneStep.fromJson(json);
            case "train" -> TrainStep.fromJson(json);
            case "distill" -> DistillStep.fromJson(json);
            case "quantize" -> QuantizeStep.fromJson(json);
            default -> throw new TopiaryException("unknown step '" + verb + "' in recipe: expected prune, train,"
                    + " distill or quantize");
        };
    }
}
