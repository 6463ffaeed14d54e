package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import java.lang.ref.Reference;

/**
 * Post-training weight quantization ({@link Model#quantize(QuantizeStep)}), one record per method: round to nearest
 * ({@link RoundToNearest}) or GPTQ ({@link Gptq}). A record packs the weights ({@link #pack}); what every method
 * shares (the group check, the metrics, the quantized model) is here.
 */
public sealed interface QuantizeStep extends Step permits RoundToNearest, Gptq {

    /** The number format and which weights share a scale. */
    QuantScheme scheme();

    /** The method's name in recipes. */
    String method();

    /**
     * Whether the token embedding (and an untied LM head) are quantized too, by round-to-nearest, in the same scheme:
     * in a small model they are most of the bytes (see {@link LanguageModel#sizeBreakdown()}).
     */
    boolean embeddings();

    /** This step quantizing the token embedding (and an untied LM head) too. */
    QuantizeStep withEmbeddings();

    /**
     * How the inputs of the decoder linear layers are quantized as the model runs: {@code NONE} for a weight-only
     * model (W8A16), {@code INT8} for W8A8, {@code FP8} with FP8 weights for the FP8 scheme; see
     * {@link ActivationScheme}.
     */
    ActivationScheme activations();

    /** This step with the linear layers' inputs quantized as {@code scheme} when the model runs. */
    QuantizeStep withActivations(ActivationScheme scheme);

    /** This step with what it left to the model's defaults (GPTQ's calibration data) filled in. */
    QuantizeStep resolve(ModelDefaults defaults);

    /** This step with another scheme, the rest (GPTQ's calibration) as it is. */
    QuantizeStep withScheme(QuantScheme scheme);

    /**
     * This step for a model {@code c}: INT4's default groups of 128 become the largest power-of-two group that
     * divides the model's input sizes when 128 does not ({@link QuantScheme#fittedTo}); the recipe records the group
     * used.
     */
    default QuantizeStep fittedTo(LlamaConfig c) {
        QuantScheme fitted = scheme().fittedTo(c);
        return fitted.equals(scheme()) ? this : withScheme(fitted);
    }

    /** The packed weights of {@code source}. */
    PackedModel pack(Llama source, Monitor monitor);

    @Override
    default String verb() {
        return "quantize";
    }

    @Override
    default String name() {
        return verb() + "." + method();
    }

    @Override
    default QuantizedModel apply(Model model, Replay replay) {
        return apply(model);
    }

    /**
     * The model with every linear weight quantized and stored packed.
     *
     * @throws TopiaryException before any work when the scheme's groups do not divide every linear layer's input
     */
    default QuantizedModel apply(Model model) {
        scheme().checkFits(model.config());
        Monitor monitor = Monitor.current();
        monitor.check("quantization");
        PackedModel packedWeights = pack(model.llama(), monitor);
        PackedModel packed = activations() == ActivationScheme.NONE ? packedWeights
                : packedWeights.withActivations(activations());
        try {
            SharedWeights weights = new SharedWeights(packed.toLlama(), packed);
            monitor.report(new Progress("quantize", 1, 1, "models", Precision.of(scheme()).name()));
            return new QuantizedModel(weights, model.tokenizerFile(), model.defaults(), model.lineage().then(this,
                    new StepMetrics.Quantized(packed.storedBytes(), packed.fp32Bytes())), model.derivation());
        } catch (RuntimeException e) {
            packed.close();
            throw e;
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    @Override
    default ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        json.put("precision", Precision.of(scheme()).name()).put("method", method());
        if (!scheme().id().equals(Precision.of(scheme()).scheme().id())) {
            json.put("scheme", scheme().id());
        }
        if (scheme().groupSize() > 0) {
            json.put("group_size", scheme().groupSize());
        }
        if (embeddings()) {
            json.put("embeddings", true);
        }
        if (activations() != ActivationScheme.NONE) {
            json.put("activations", activations().id());
        }
        return json;
    }

    @Override
    default StepMetrics metricsFromJson(JsonNode json) {
        return StepMetrics.Quantized.fromJson(json);
    }

    /**
     * The scheme a recipe records: a precision, a group size for INT4, and the scheme's id where it is not the
     * precision's own (GGUF's q8_0, q4_0, q4_1).
     */
    static QuantScheme schemeFromJson(JsonNode json) {
        Precision precision = Precision.parse(json.path("precision").asText());
        return QuantScheme.of(json.path("scheme").asText(precision.scheme().id()), json.path("group_size").asInt());
    }

    /** Whether a recipe's step quantized the embeddings too (absent: no, as every recipe before the option). */
    static boolean embeddingsFromJson(JsonNode json) {
        return json.path("embeddings").asBoolean(false);
    }

    /** How a recipe's step quantized activations (absent: not at all, as every recipe before the option). */
    static ActivationScheme activationsFromJson(JsonNode json) {
        return ActivationScheme.parse(json.path("activations").asText(ActivationScheme.NONE.id()));
    }

    /** The activations as a lineage shows them: nothing when they are not quantized. */
    static String describe(ActivationScheme activations) {
        return activations == ActivationScheme.NONE ? "" : ", " + activations;
    }

    /** The scheme as a lineage shows it: the precision, GGUF's grid where it is one, and the groups. */
    static String describe(QuantScheme scheme) {
        return Precision.of(scheme) + scheme.ggmlType().map(t -> " " + t.ggmlName()).orElse("")
                + (scheme.groupSize() > 0 ? " (groups of " + scheme.groupSize() + ")" : "");
    }
}
