package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Language-modelling training ({@link Model#train}), resolved. */
public record TrainStep(Training training) implements Step {

    @Override
    public String verb() {
        return "train";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Lineage.object("verb", verb());
        json.set("training", training.toJson());
        return json;
    }

    static TrainStep fromJson(JsonNode json) {
        return new TrainStep(Training.fromJson(json.path("training")));
    }

    @Override
    public String toString() {
        return "train " + training;
    }
}
