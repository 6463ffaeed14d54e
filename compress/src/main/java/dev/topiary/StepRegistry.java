package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Every step a recipe can hold, by {@link Step#name()}: how a recipe's JSON becomes a step again. Adding a method is
 * its record and one line here.
 */
final class StepRegistry {

    private static final Map<String, Function<JsonNode, Step>> READERS = new LinkedHashMap<>();

    static {
        register("prune.width_ratio", WidthByRatio::fromJson);
        register("prune.width", WidthToSizes::fromJson);
        register("prune.depth_ratio", DepthByRatio::fromJson);
        register("prune.layers", DepthToLayers::fromJson);
        register("prune.drop", DropLayers::fromJson);
        register("prune.magnitude", MagnitudeSparsity::fromJson);
        register("prune.wanda", WandaSparsity::fromJson);
        register("prune.nm", NmPattern::fromJson);
        register("share", ShareLayers::fromJson);
        register("train", TrainStep::fromJson);
        register("distill", DistillStep::fromJson);
        register("replace", ReplaceModules::fromJson);
        register("smooth", SmoothQuant::fromJson);
        register("outliers", OutlierChannels::fromJson);
        register("exit", AddExits::fromJson);
        register("quantize.rtn", RoundToNearest::fromJson);
        register("quantize.gptq", Gptq::fromJson);
    }

    private StepRegistry() {}

    private static void register(String name, Function<JsonNode, Step> reader) {
        READERS.put(name, reader);
    }

    /** The name a recipe's step JSON is registered under: its verb, then its method when it has one. */
    static String nameOf(JsonNode json) {
        String verb = json.path("verb").asText();
        JsonNode method = json.get("method");
        return method == null ? verb : verb + "." + method.asText();
    }

    /**
     * The step a recipe records.
     *
     * @throws TopiaryException naming the known steps when the recipe names another
     */
    static Step read(JsonNode json) {
        String name = nameOf(json);
        Function<JsonNode, Step> reader = READERS.get(name);
        if (reader == null) {
            throw new TopiaryException("unknown step '" + name + "' in recipe: expected one of "
                    + String.join(", ", READERS.keySet()));
        }
        return reader.apply(json);
    }

    /** The registered names, in registration order. */
    static Iterable<String> names() {
        return READERS.keySet();
    }
}
