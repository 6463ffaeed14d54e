package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.quant.Smoothing;
import java.lang.ref.Reference;
import java.util.List;
import java.util.Locale;

/**
 * SmoothQuant's migration ({@link Model#smooth}): a copy of the model that computes the same function, with each
 * outlier channel of the linear layers' inputs divided down and its weights multiplied up (see {@link Smoothing}),
 * ready for per-token activation quantization:
 *
 * <pre>{@code
 * QuantizedModel w8a8 = teacher.smooth().quantize(RoundToNearest.of(INT8).withActivations(ActivationScheme.INT8));
 * }</pre>
 *
 * @param alpha how much of the activations' range moves into the weights: 0 none, 1 all; 0.5 by default
 * @param calibration the sequences the activation maxima are measured on (data null: the model's default corpus)
 */
public record SmoothQuant(double alpha, Calibration calibration) implements Step {

    /** The migration strength of {@link #defaults()}, the paper's choice for most models. */
    public static final double DEFAULT_ALPHA = 0.5;

    /** Calibration sequences of {@link #defaults()}. */
    public static final int DEFAULT_SAMPLES = 128;

    /** @throws TopiaryException unless {@code 0 <= alpha <= 1} */
    public SmoothQuant {
        Smoothing.checkAlpha(alpha);
    }

    /**
     * Alpha {@value #DEFAULT_ALPHA}, maxima over {@value #DEFAULT_SAMPLES} sequences of 256 tokens of the model's
     * default corpus.
     */
    public static SmoothQuant defaults() {
        return new SmoothQuant(DEFAULT_ALPHA, Calibration.defaults().withSamples(DEFAULT_SAMPLES));
    }

    public SmoothQuant withAlpha(double a) {
        return new SmoothQuant(a, calibration);
    }

    public SmoothQuant withCalibration(Calibration c) {
        return new SmoothQuant(alpha, c);
    }

    public SmoothQuant withData(Corpus corpus) {
        return withCalibration(calibration.withData(corpus));
    }

    public SmoothQuant withSamples(int samples) {
        return withCalibration(calibration.withSamples(samples));
    }

    /** This step with the model's default corpus as its calibration data when it names none. */
    SmoothQuant resolve(ModelDefaults defaults) {
        return withCalibration(calibration.resolve(defaults, "smooth()"));
    }

    @Override
    public String verb() {
        return "smooth";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /** The smoothed copy of {@code model}; progress per calibration batch, cancellable between them. */
    public Model apply(Model model) {
        try (Corpus.Opened data = calibration.data().open()) {
            Smoothing.Result smoothed = Smoothing.smooth(model.llama(), calibration.batchesOf(data),
                    calibration.batches(), alpha, Monitor.current());
            return model.derived(smoothed.model(), this, new StepMetrics.Smoothed(smoothed.outlierRatioBefore(),
                    smoothed.outlierRatioAfter()), model.derivation(), List.of());
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        json.put("alpha", alpha);
        json.set("calibration", calibration.toJson());
        return json;
    }

    static SmoothQuant fromJson(JsonNode json) {
        return new SmoothQuant(json.path("alpha").asDouble(Double.NaN), Calibration.fromJson(json.path("calibration")));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Smoothed.fromJson(json);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "smooth activation outliers into the weights (SmoothQuant, alpha %s) on %s",
                alpha, calibration);
    }
}
