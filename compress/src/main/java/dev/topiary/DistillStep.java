package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Distillation from a teacher ({@link Model#distill}), resolved; the teacher is named by its own lineage. */
public record DistillStep(Lineage teacher, Distillation distillation) implements Step {

    @Override
    public String verb() {
        return "distill";
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Lineage.object("verb", verb());
        json.set("teacher", teacher.toJson());
        json.set("distillation", distillation.toJson());
        return json;
    }

    static DistillStep fromJson(JsonNode json) {
        return new DistillStep(Lineage.fromJson(json.path("teacher")), Distillation.fromJson(json.path("distillation")));
    }

    @Override
    public String toString() {
        return "distill from [" + teacher.summary() + "]: " + distillation;
    }
}
