package dev.topiary;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.distill.ExitDistillationObjective;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.TrainingProgress;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Early-exit off-ramps added and trained ({@link Model#withExits}), resolved: a copy of the model with an RMSNorm
 * (started as a copy of the final norm) after each of {@code layers}, read by the shared LM head, trained by
 * self-distillation from the model's own final distribution ({@link ExitDistillationObjective}) with every other
 * weight frozen, so the model's own logits stay bit for bit what they were.
 *
 * @param layers the layers (0-based) an off-ramp follows, increasing, each before the last layer
 * @param training the ramps' training, resolved
 */
public record AddExits(List<Integer> layers, Training training) implements Step {

    public AddExits {
        layers = List.copyOf(layers);
        if (layers.isEmpty()) {
            throw new TopiaryException("early exit needs at least one layer to place an off-ramp after");
        }
    }

    @Override
    public String verb() {
        return "exit";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /**
     * The copy of {@code model} with these ramps, trained.
     *
     * @throws TopiaryException before any work when the model has ramps already or a layer cannot take one
     */
    public Model apply(Model model) {
        LlamaConfig source = model.config();
        if (!source.exitLayers().isEmpty()) {
            throw new TopiaryException("this model already has off-ramps after layers " + source.exitLayers()
                    + ": add exits to the model without them");
        }
        LlamaConfig config;
        try {
            config = source.toBuilder().optExitLayers(layers).build();
        } catch (IllegalArgumentException e) {
            throw new TopiaryException("cannot add early exits: " + e.getMessage());
        }
        Llama copy = withRamps(model.llama(), config);
        try {
            Set<String> ramps = new LinkedHashSet<>();
            layers.forEach(layer -> ramps.add(LlamaLayout.exitNorm(layer)));
            List<TrainingProgress> curve = Fitting.fit(copy, ramps, new ExitDistillationObjective(), training, 0,
                    "exit: ramps");
            return model.derived(copy, this, Fitting.metrics(training, curve, null), model.derivation(), curve);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    // A copy of source's weights with every ramp's norm a copy of the final norm.
    private static Llama withRamps(Llama source, LlamaConfig config) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        source.parameters().forEach((name, p) -> tensors.put(name, p.duplicate()));
        for (int layer : config.exitLayers()) {
            tensors.put(LlamaLayout.exitNorm(layer), source.parameters().get(LlamaLayout.FINAL_NORM).duplicate());
        }
        return Llama.fromParameters(config, tensors, "copy of " + source + " with off-ramps");
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        ArrayNode list = json.putArray("layers");
        layers.forEach(list::add);
        json.set("training", training.toJson());
        return json;
    }

    static AddExits fromJson(JsonNode json) {
        List<Integer> layers = new ArrayList<>();
        json.path("layers").forEach(l -> layers.add(l.asInt()));
        return new AddExits(layers, Training.fromJson(json.path("training")));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Trained.fromJson(json);
    }

    @Override
    public String toString() {
        return "early-exit off-ramps after layers " + layers + " (own norm, shared head), self-distilled with the"
                + " trunk frozen: " + training;
    }
}
