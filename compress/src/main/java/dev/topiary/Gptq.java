package dev.topiary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.GptqCalibration;
import dev.topiary.quant.GptqOptions;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.ArrayList;
import java.util.List;

/**
 * GPTQ quantization: each layer's weights rounded column by column, the error of each column compensated in the
 * columns not yet rounded using the layer's input Hessian, measured on calibration data.
 *
 * <pre>{@code
 * QuantizedModel q = model.quantize(Gptq.of(INT4).withSamples(32));
 * }</pre>
 *
 * @param scheme the number format and which weights share a scale
 * @param calibration the sequences the Hessians are measured on (data null: the model's default corpus)
 * @param embeddings whether the token embedding (and an untied LM head) are quantized too, by round-to-nearest
 * @param actOrder whether each layer's columns are quantized in order of decreasing activation size
 *     ({@link GptqOptions#actOrder()}) instead of left to right
 * @param activations how the inputs of the linear layers are quantized as the model runs ({@code NONE}: not); the
 *     Hessians are measured on the floating-point activations
 */
public record Gptq(QuantScheme scheme, Calibration calibration, boolean embeddings, boolean actOrder,
        ActivationScheme activations) implements QuantizeStep {

    /** GPTQ of the linear weights, columns left to right. */
    public Gptq(QuantScheme scheme, Calibration calibration) {
        this(scheme, calibration, false, false, ActivationScheme.NONE);
    }

    /** Calibration sequences of {@link #of}. */
    public static final int DEFAULT_SAMPLES = 128;

    /** Tokens per calibration sequence of {@link #of}, one sequence per forward pass. */
    public static final int DEFAULT_SEQUENCE_LENGTH = 256;

    /** GPTQ to {@code precision}'s default scheme, on the default calibration. */
    public static Gptq of(Precision precision) {
        return of(precision.scheme());
    }

    /**
     * GPTQ to {@code scheme} on {@value #DEFAULT_SAMPLES} sequences of {@value #DEFAULT_SEQUENCE_LENGTH} tokens of
     * the model's default corpus.
     */
    public static Gptq of(QuantScheme scheme) {
        return new Gptq(scheme, Calibration.defaults().withSamples(DEFAULT_SAMPLES).withBatch(1,
                DEFAULT_SEQUENCE_LENGTH));
    }

    @Override
    public Gptq withEmbeddings() {
        return new Gptq(scheme, calibration, true, actOrder, activations);
    }

    /**
     * This GPTQ with {@code act_order}: each layer's columns quantized in order of decreasing Hessian diagonal (the
     * inputs with the largest activations first), groups fitted from the original weights (see
     * {@link GptqOptions#actOrder()}).
     */
    public Gptq withActOrder() {
        return new Gptq(scheme, calibration, embeddings, true, activations);
    }

    @Override
    public Gptq withActivations(ActivationScheme scheme) {
        return new Gptq(this.scheme, calibration, embeddings, actOrder, scheme);
    }

    public Gptq withCalibration(Calibration c) {
        return new Gptq(scheme, c, embeddings, actOrder, activations);
    }

    public Gptq withData(Corpus corpus) {
        return withCalibration(calibration.withData(corpus));
    }

    public Gptq withSamples(int samples) {
        return withCalibration(calibration.withSamples(samples));
    }

    @Override
    public String method() {
        return "gptq";
    }

    @Override
    public Gptq resolve(ModelDefaults defaults) {
        return withCalibration(calibration.resolve(defaults, "GPTQ quantization"));
    }

    @Override
    public Gptq withScheme(QuantScheme other) {
        return new Gptq(other, calibration, embeddings, actOrder, activations);
    }

    @Override
    public PackedModel pack(Llama source, Monitor monitor) {
        try (Corpus.Opened data = calibration.data().open();
                NDManager manager = source.manager().newSubManager()) {
            BatchSource batches = calibration.batchesOf(data);
            List<NDArray> ids = new ArrayList<>();
            for (int b = 0; b < calibration.batches(); b++) {
                TokenBatch batch = batches.batch(b);
                ids.add(manager.create(batch.inputs(), new Shape(batch.batchSize(), batch.sequenceLength())));
            }
            return GptqCalibration.quantize(source, scheme, ids, GptqOptions.DEFAULT.withActOrder(actOrder),
                    embeddings, reached -> {
                        monitor.check("GPTQ quantization");
                        monitor.report(new Progress("GPTQ", reached.done(), reached.total(), "sublayers",
                                reached.group()));
                    });
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = QuantizeStep.super.toJson();
        json.set("calibration", calibration.toJson());
        if (actOrder) {
            json.put("act_order", true);
        }
        return json;
    }

    static Gptq fromJson(JsonNode json) {
        return new Gptq(QuantizeStep.schemeFromJson(json), Calibration.fromJson(json.path("calibration")),
                QuantizeStep.embeddingsFromJson(json), json.path("act_order").asBoolean(false),
                QuantizeStep.activationsFromJson(json));
    }

    @Override
    public String toString() {
        return "quantize " + QuantizeStep.describe(scheme) + ", GPTQ on " + calibration
                + (actOrder ? ", act_order" : "") + (embeddings ? ", embeddings too (round-to-nearest)" : "")
                + QuantizeStep.describe(activations);
    }
}
