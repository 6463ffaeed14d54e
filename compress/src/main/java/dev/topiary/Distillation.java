package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * How {@link Model#distill(Model, Distillation)} trains a student on a teacher, Minitron's way by default: forward
 * KL(teacher || student) on the logits at temperature 1, no language-modelling loss.
 *
 * <p>Immutable; the {@code with}-style methods return a changed copy.
 *
 * @param training schedule, budget and data (see {@link Training})
 * @param temperature softens both distributions; the KL term is scaled by its square
 * @param languageModelWeight weight of the cross-entropy on the true next tokens (0: pure distillation)
 * @param hiddenStateWeight weight of the hidden-state cosine loss between matched layers (0: logits only)
 * @param correctionSteps steps of teacher correction, a language-modelling fine-tune of a copy of the teacher on the
 *     distillation data before distilling (0: none)
 * @param quantizationAware when not null, the student trains with its linear weights fake-quantized to this precision
 *     (INT4 in groups of 128; straight-through gradients), ready to be {@linkplain Model#quantize quantized}
 *     afterwards
 */
public record Distillation(Training training, double temperature, double languageModelWeight,
        double hiddenStateWeight, long correctionSteps, Precision quantizationAware) {

    /** Minitron's softmax temperature: the teacher's distribution as it is. */
    public static final double DEFAULT_TEMPERATURE = 1;

    /** Minitron's weight of the language-modelling loss: none, the teacher's logits alone. */
    public static final double DEFAULT_LANGUAGE_MODEL_WEIGHT = 0;

    public Distillation {
        if (training == null) {
            throw new TopiaryException("a distillation needs its training settings");
        }
        if (!(temperature > 0)) {
            throw new TopiaryException("the distillation temperature must be positive, got " + temperature);
        }
        if (!(languageModelWeight >= 0) || !(hiddenStateWeight >= 0)) {
            throw new TopiaryException("loss weights must be >= 0, got LM " + languageModelWeight + ", hidden "
                    + hiddenStateWeight);
        }
        if (correctionSteps < 0) {
            throw new TopiaryException("teacher correction steps must be >= 0, got " + correctionSteps);
        }
    }

    /** Minitron's objective on {@link Training#defaults()}. */
    public static Distillation defaults() {
        return new Distillation(Training.defaults(), DEFAULT_TEMPERATURE, DEFAULT_LANGUAGE_MODEL_WEIGHT, 0, 0, null);
    }

    /** The defaults with a budget of {@code n} steps. */
    public static Distillation steps(long n) {
        return defaults().withTraining(Training.steps(n));
    }

    /** The defaults with a budget of {@code n} tokens. */
    public static Distillation tokens(long n) {
        return defaults().withTraining(Training.tokens(n));
    }

    public Distillation withTraining(Training t) {
        return new Distillation(t, temperature, languageModelWeight, hiddenStateWeight, correctionSteps,
                quantizationAware);
    }

    public Distillation withData(Corpus corpus) {
        return withTraining(training.withData(corpus));
    }

    public Distillation withLearningRate(double peak) {
        return withTraining(training.withLearningRate(peak));
    }

    public Distillation withBatch(int sequences, int length) {
        return withTraining(training.withBatch(sequences, length));
    }

    public Distillation withSeed(long seed) {
        return withTraining(training.withSeed(seed));
    }

    public Distillation withTemperature(double t) {
        return new Distillation(training, t, languageModelWeight, hiddenStateWeight, correctionSteps,
                quantizationAware);
    }

    public Distillation withLanguageModelLoss(double weight) {
        return new Distillation(training, temperature, weight, hiddenStateWeight, correctionSteps, quantizationAware);
    }

    public Distillation withHiddenStateLoss(double weight) {
        return new Distillation(training, temperature, languageModelWeight, weight, correctionSteps,
                quantizationAware);
    }

    public Distillation withTeacherCorrection(long steps) {
        return new Distillation(training, temperature, languageModelWeight, hiddenStateWeight, steps,
                quantizationAware);
    }

    public Distillation withQuantizationAware(Precision precision) {
        return new Distillation(training, temperature, languageModelWeight, hiddenStateWeight, correctionSteps,
                precision);
    }

    Distillation resolve(ModelDefaults student) {
        return withTraining(training.resolve(student, "distill()"));
    }

    ObjectNode toJson() {
        ObjectNode json = training.toJson();
        json.put("temperature", temperature).put("lm_loss_weight", languageModelWeight)
                .put("hidden_state_weight", hiddenStateWeight).put("teacher_correction_steps", correctionSteps);
        if (quantizationAware != null) {
            json.put("quantization_aware", quantizationAware.name());
        }
        return json;
    }

    static Distillation fromJson(JsonNode json) {
        JsonNode qat = json.get("quantization_aware");
        return new Distillation(Training.fromJson(json), json.path("temperature").asDouble(),
                json.path("lm_loss_weight").asDouble(), json.path("hidden_state_weight").asDouble(),
                json.path("teacher_correction_steps").asLong(), qat == null ? null : Precision.valueOf(qat.asText()));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("forward KL at T=" + temperature);
        if (languageModelWeight > 0) {
            s.append(" + ").append(languageModelWeight).append(" LM loss");
        }
        if (hiddenStateWeight > 0) {
            s.append(" + ").append(hiddenStateWeight).append(" hidden-state cosine");
        }
        if (correctionSteps > 0) {
            s.append(", teacher corrected for ").append(correctionSteps).append(" steps");
        }
        if (quantizationAware != null) {
            s.append(", quantization-aware (").append(quantizationAware).append(")");
        }
        return s.append("; ").append(training).toString();
    }
}
