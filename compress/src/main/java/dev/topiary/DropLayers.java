package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.prune.DepthPruner;
import java.util.ArrayList;
import java.util.List;

/**
 * Depth pruning of exactly the listed layers; no calibration needed.
 *
 * @param layers the layers removed, 0-based
 */
public record DropLayers(List<Integer> layers) implements PruneStep {

    public DropLayers {
        layers = List.copyOf(layers);
    }

    @Override
    public String method() {
        return "drop";
    }

    @Override
    public Calibration calibration() {
        return null;
    }

    @Override
    public Pruned prune(PruneInput input) {
        return drop(input, layers.stream().mapToInt(Integer::intValue).toArray());
    }

    /** {@code input} without the layers {@code dropped}. */
    static Pruned drop(PruneInput input, int[] dropped) {
        return new Pruned(DepthPruner.drop(input.source(), dropped), input.derivation().dropLayers(dropped),
                dropped.length, null);
    }

    @Override
    public void writeFields(ObjectNode json) {
        ArrayNode array = json.putArray("layers");
        layers.forEach(array::add);
    }

    static DropLayers fromJson(JsonNode json) {
        List<Integer> layers = new ArrayList<>();
        json.path("layers").forEach(l -> layers.add(l.asInt()));
        return new DropLayers(layers);
    }

    @Override
    public String toString() {
        return PruneStep.describe("depth, dropping layers " + layers, null);
    }
}
