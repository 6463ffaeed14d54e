package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;
import dev.topiary.train.Objective;
import dev.topiary.train.TrainingProgress;
import java.lang.ref.Reference;
import java.util.List;

/** Language-modelling training ({@link Model#train}), resolved. */
public record TrainStep(Training training) implements Step {

    @Override
    public String verb() {
        return "train";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /** A copy of {@code model} trained on next-token prediction. */
    public Model apply(Model model) {
        model.checkNoExits("train");
        Llama copy = Fitting.copyOf(model.llama());
        try {
            List<TrainingProgress> curve = Fitting.fit(copy, Objective.LANGUAGE_MODELING, training, "train");
            return model.derived(copy, this, Fitting.metrics(training, curve, null), model.derivation(), curve);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        json.set("training", training.toJson());
        return json;
    }

    static TrainStep fromJson(JsonNode json) {
        return new TrainStep(Training.fromJson(json.path("training")));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Trained.fromJson(json);
    }

    @Override
    public String toString() {
        return "train " + training;
    }
}
