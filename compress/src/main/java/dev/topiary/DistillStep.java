package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;
import dev.topiary.train.Objective;
import dev.topiary.train.TrainingProgress;
import java.lang.ref.Reference;
import java.util.List;

/** Distillation from a teacher ({@link Model#distill}), resolved; the teacher is named by its own lineage. */
public record DistillStep(Lineage teacher, Distillation distillation) implements Step {

    @Override
    public String verb() {
        return "distill";
    }

    @Override
    public Model apply(Model student, Replay replay) {
        if (!(replay.model(teacher) instanceof Model teacherModel)) {
            throw new TopiaryException("the recipe distils from a quantized teacher (" + teacher.summary() + "),"
                    + " which Topiary does not do: a teacher is a floating-point model");
        }
        return apply(student, teacherModel);
    }

    /**
     * A copy of {@code student} trained to match {@code teacher}'s next-token distributions, after correcting a copy
     * of the teacher when the distillation asks for it.
     *
     * @throws TopiaryException before any work when the models or the options cannot go together
     */
    public Model apply(Model student, Model teacher) {
        student.checkNoExits("distill");
        DistillationObjectives.check(teacher, student, distillation);
        Model corrected = distillation.correctionSteps() > 0
                ? teacher.train(distillation.training().withSteps(distillation.correctionSteps())) : null;
        Llama copy = Fitting.copyOf(student.llama());
        try {
            Objective loss = DistillationObjectives.build(corrected != null ? corrected : teacher, student,
                    distillation);
            List<TrainingProgress> curve = Fitting.fit(copy, loss, distillation.training(), "distill");
            Double correctionLoss = corrected == null ? null
                    : ((StepMetrics.Trained) corrected.lineage().last().metrics()).finalLoss();
            StepMetrics metrics = Fitting.metrics(distillation.training(), curve, correctionLoss);
            return student.derived(copy, this, metrics, student.derivation(), curve);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        } finally {
            if (corrected != null) {
                corrected.close();
            }
            Reference.reachabilityFence(student);
            Reference.reachabilityFence(teacher);
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        json.set("teacher", teacher.toJson());
        json.set("distillation", distillation.toJson());
        return json;
    }

    static DistillStep fromJson(JsonNode json) {
        return new DistillStep(Lineage.fromJson(json.path("teacher")), Distillation.fromJson(json.path("distillation")));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Trained.fromJson(json);
    }

    @Override
    public String toString() {
        return "distill from [" + teacher.summary() + "]: " + distillation;
    }
}
