package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.LayerSharing;
import dev.topiary.llama.Llama;
import java.lang.ref.Reference;
import java.util.List;

/**
 * Cross-layer parameter sharing ({@link Model#share}): the model's L layers made to compute with {@code blocks}
 * distinct blocks of weights, laid out by {@code pattern}, each block initialised from the first layer that uses it
 * (see {@link LayerSharing}). The result is usually distilled from the model it came from.
 *
 * @param pattern which block each layer uses
 * @param blocks the number of distinct blocks, from 1 to the number of layers
 */
public record ShareLayers(LayerSharing.Pattern pattern, int blocks) implements Step {

    /**
     * @throws TopiaryException when {@code pattern} is missing or {@code blocks} is below 1
     */
    public ShareLayers {
        if (pattern == null) {
            throw new TopiaryException("a layer-sharing pattern is required: cycle or adjacent");
        }
        if (blocks < 1) {
            throw new TopiaryException("layers are shared among at least 1 block, got " + blocks);
        }
    }

    /** Sharing among {@code blocks} blocks by the pattern named {@code pattern}: {@code cycle} or {@code adjacent}. */
    public static ShareLayers of(String pattern, int blocks) {
        return new ShareLayers(LayerSharing.Pattern.of(pattern), blocks);
    }

    @Override
    public String verb() {
        return "share";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /**
     * A copy of {@code model} whose layers share blocks; its derivation is {@code model}'s, since layer {@code i}
     * still takes layer {@code i}'s place.
     *
     * @throws TopiaryException when the model's layers already share weights, or the pattern does not fit them
     */
    public Model apply(Model model) {
        model.checkNoExits("share");
        List<Integer> layerBlocks = pattern.layerBlocks(model.config().numHiddenLayers(), blocks);
        Llama shared = LayerSharing.share(model.llama(), layerBlocks);
        try {
            StepMetrics.Shared metrics = new StepMetrics.Shared(model.parameterCount(), shared.parameterCount());
            return model.derived(shared, this, metrics, model.derivation(), List.of());
        } catch (RuntimeException e) {
            shared.close();
            throw e;
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    @Override
    public ObjectNode toJson() {
        return Json.object("verb", verb()).put("pattern", pattern.id()).put("blocks", blocks);
    }

    static ShareLayers fromJson(JsonNode json) {
        return of(json.path("pattern").asText(), json.path("blocks").asInt());
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Shared.fromJson(json);
    }

    @Override
    public String toString() {
        return "share layers among " + blocks + (blocks == 1 ? " block" : " blocks") + " (" + pattern.id()
                + "), each initialised from the first layer that uses it";
    }
}
