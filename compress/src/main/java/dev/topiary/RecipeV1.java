package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Reads recipes written before steps became one record per method ({@code topiary-recipe-v1}): there a pruning step
 * held its amount as {@code "fraction"} and its targets as a positional {@code "values"} list; this turns them into
 * the named fields of the current format. Every other step is written the same way in both.
 */
final class RecipeV1 {

    /** The format name of the earlier recipes. */
    static final String FORMAT = "topiary-recipe-v1";

    private RecipeV1() {}

    /** A copy of a v1 recipe (or a distillation teacher's lineage inside one) in the current format. */
    static JsonNode upgrade(JsonNode v1) {
        ObjectNode recipe = v1.deepCopy();
        recipe.put("format", Lineage.FORMAT);
        for (JsonNode step : recipe.path("steps")) {
            ObjectNode s = (ObjectNode) step;
            switch (s.path("verb").asText()) {
                case "prune" -> upgradePruning(s);
                case "distill" -> s.set("teacher", upgrade(s.path("teacher")));
                default -> { }
            }
        }
        return recipe;
    }

    private static void upgradePruning(ObjectNode step) {
        double fraction = step.path("fraction").asDouble();
        JsonNode values = step.path("values");
        step.remove("fraction");
        step.remove("values");
        switch (step.path("method").asText()) {
            case "width_ratio", "depth_ratio" -> step.put("keep_fraction", fraction);
            case "width" -> step.put("hidden", values.path(0).asInt()).put("ffn", values.path(1).asInt())
                    .put("heads", values.path(2).asInt());
            case "layers" -> step.put("layers", values.path(0).asInt());
            case "drop" -> {
                ArrayNode layers = step.putArray("layers");
                values.forEach(layers::add);
            }
            case "magnitude", "wanda" -> step.put("sparsity", fraction);
            case "nm" -> step.put("n", values.path(0).asInt()).put("m", values.path(1).asInt());
            default -> { }
        }
        // the calibration and metrics follow the method's fields, as the current format writes them
        JsonNode calibration = step.remove("calibration");
        JsonNode metrics = step.remove("metrics");
        if (calibration != null) {
            step.set("calibration", calibration);
        }
        if (metrics != null) {
            step.set("metrics", metrics);
        }
    }
}
