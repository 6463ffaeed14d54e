package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A pruning ({@link Model#prune()}), resolved: the method, its amount, and the calibration data that decided what
 * was removed (none for magnitude pruning and explicit layer drops).
 *
 * @param method what is removed and how it is chosen
 * @param fraction the kept fraction (width and depth ratios) or the sparsity (magnitude, Wanda); 0 when unused
 * @param values explicit targets: hidden, FFN and heads ({@link Method#WIDTH}), the layer count ({@link
 *     Method#LAYERS}), the dropped layers ({@link Method#DROP}), or N and M ({@link Method#NM}); empty when unused
 * @param calibration the sequences importance or input norms were measured on, or null
 */
public record PruneStep(Method method, double fraction, List<Integer> values, Calibration calibration)
        implements Step {

    /** The pruning methods. */
    public enum Method {
        /** Width by Minitron importance, to a kept fraction of the parameters. */
        WIDTH_RATIO,
        /** Width by Minitron importance, to explicit hidden, FFN and head counts. */
        WIDTH,
        /** Depth by layer importance, to a kept fraction of the layers. */
        DEPTH_RATIO,
        /** Depth by layer importance, to a number of layers. */
        LAYERS,
        /** Depth: the listed layers removed. */
        DROP,
        /** Unstructured: the smallest weights of each matrix zeroed. */
        MAGNITUDE,
        /** Unstructured: the weights with the smallest |W| * ||X|| in each output row zeroed. */
        WANDA,
        /** N:M semi-structured: N of every M consecutive weights kept (by Wanda scores when calibrated). */
        NM
    }

    public PruneStep {
        values = List.copyOf(values);
    }

    @Override
    public String verb() {
        return "prune";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Lineage.object("verb", verb());
        json.put("method", method.name().toLowerCase(Locale.ROOT)).put("fraction", fraction);
        ArrayNode array = json.putArray("values");
        values.forEach(array::add);
        if (calibration != null) {
            json.set("calibration", calibration.toJson());
        }
        return json;
    }

    static PruneStep fromJson(JsonNode json) {
        String name = json.path("method").asText();
        Method method;
        try {
            method = Method.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TopiaryException("unknown pruning method '" + name + "' in recipe");
        }
        List<Integer> values = new ArrayList<>();
        json.path("values").forEach(v -> values.add(v.asInt()));
        JsonNode calibration = json.get("calibration");
        return new PruneStep(method, json.path("fraction").asDouble(), values,
                calibration == null ? null : Calibration.fromJson(calibration));
    }

    @Override
    public String toString() {
        String what = switch (method) {
            case WIDTH_RATIO -> "width, keeping " + fraction + " of the parameters";
            case WIDTH -> "width to hidden " + values.get(0) + ", ffn " + values.get(1) + ", heads " + values.get(2);
            case DEPTH_RATIO -> "depth, keeping " + fraction + " of the layers";
            case LAYERS -> "depth to " + values.get(0) + " layers";
            case DROP -> "depth, dropping layers " + values;
            case MAGNITUDE -> "magnitude to sparsity " + fraction;
            case WANDA -> "Wanda to sparsity " + fraction;
            case NM -> values.get(0) + ":" + values.get(1) + (calibration != null ? " by Wanda" : " by magnitude");
        };
        return "prune " + what + (calibration != null ? ", calibrated on " + calibration : "");
    }
}
