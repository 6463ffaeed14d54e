package dev.topiary;

import dev.topiary.engine.Engines;
import dev.topiary.gguf.EncodedMatrix;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.GgufExport;
import dev.topiary.io.Overwrite;
import dev.topiary.quant.ActivationScheme;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedCheckpoint;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A model whose linear weights are quantized and stored packed ({@link Model#quantize}, or a quantized checkpoint
 * Topiary wrote). It evaluates, generates and saves; it computes with the dequantized weights. It has no compression
 * verbs: prune, train and distill the floating-point model it came from, then quantize again.
 */
public final class QuantizedModel extends LanguageModel {

    QuantizedModel(SharedWeights weights, Path tokenizer, ModelDefaults defaults, Lineage lineage,
            Derivation derivation) {
        super(weights, tokenizer, defaults, lineage, derivation);
        if (weights.packed() == null) {
            throw new IllegalArgumentException("a quantized model needs packed weights");
        }
    }

    /** A quantized checkpoint directory Topiary wrote, on the GPU when there is one. */
    public static QuantizedModel load(Path dir) {
        return load(dir, "auto");
    }

    /**
     * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
     * @throws TopiaryException when the directory is not a quantized checkpoint Topiary wrote
     */
    public static QuantizedModel load(Path dir, String device) {
        if (!QuantizedCheckpoint.isQuantized(dir)) {
            throw new TopiaryException(dir + " is not a quantized checkpoint (its config.json has no Topiary"
                    + " quantization_config): load it with Model.load(dir), or LanguageModel.load(dir) for either kind");
        }
        PackedModel packed = QuantizedCheckpoint.load(dir, Engines.device(device));
        SharedWeights weights = new SharedWeights(packed.toLlama(), packed);
        Lineage lineage = Lineage.ofCheckpoint(dir);
        return new QuantizedModel(weights, Model.tokenizerIn(dir), ModelDefaults.of(lineage), lineage,
                Derivation.identity(packed.config()));
    }

    /** The precision of the packed weights. */
    public Precision precision() {
        return Precision.of(scheme());
    }

    /** How the inputs of the linear layers are quantized as the model runs ({@code NONE}: weights only). */
    public ActivationScheme activations() {
        return weights().packed().activations();
    }

    /** The packed layout: number format and which weights share a scale. */
    public QuantScheme scheme() {
        return weights().packed().scheme();
    }

    @Override
    long tensorBytes(String name, long parameters) {
        return weights().packed().storedBytes(name);
    }

    @Override
    String storage() {
        return precision() + (activations() == ActivationScheme.NONE ? "" : " weights, " + activations());
    }

    /**
     * F32 holds the dequantized weights exactly, and so does the GGUF type of a scheme whose grid is GGUF's
     * ({@link QuantScheme#ggmlType()}: q8_0 for {@link QuantScheme#q8_0()}, and so on), whose export writes the
     * stored codes and fp16 scales as they are. No other type does (INT8 and INT4 keep fp32 scales per row or per
     * group of {@code groupSize}; FP8 has no GGUF type), so it would quantize the weights a second time:
     * {@link #exportRequantized} does that when asked.
     */
    @Override
    void checkExact(GgmlType type) {
        if (type != GgmlType.F32 && !scheme().ggmlType().equals(Optional.of(type))) {
            String exact = scheme().ggmlType().map(t -> t.ggmlName() + " or f32").orElse("f32");
            throw new TopiaryException("this " + scheme().id() + " model's codes and scales cannot be written exactly as "
                    + type.ggmlName() + ": export " + exact + ", which holds its weights exactly, or"
                    + " exportRequantized(file, " + type.name() + ") to quantize them again as " + type.ggmlName());
        }
    }

    /**
     * For the scheme's own GGUF type: every quantized matrix as its stored blocks, and the matrices kept in floating
     * point (embeddings, an untied head) as F32, so llama.cpp's weights are this model's bit for bit.
     */
    @Override
    Map<String, EncodedMatrix> exactMatrices(GgmlType type) {
        if (type == GgmlType.F32) {
            return Map.of();
        }
        PackedModel packed = weights().packed();
        Map<String, EncodedMatrix> encoded = new LinkedHashMap<>();
        packed.quantized().forEach((name, q) -> encoded.put(name, new EncodedMatrix(type, q.ggmlBlocks())));
        packed.floating().forEach((name, t) -> {
            if (t.getShape().dimension() == 2) {
                encoded.put(name, new EncodedMatrix(GgmlType.F32, GgmlType.F32.encode(t.toFloatArray())));
            }
        });
        return encoded;
    }

    /**
     * Writes the model as GGUF with its dequantized weights quantized again into {@code type}: a second rounding,
     * so llama.cpp computes with weights that differ slightly from this model's (the export's fallbacks and type say
     * which).
     */
    public GgufExport exportRequantized(Path file, GgmlType type) {
        return exportRequantized(file, type, Overwrite.TOPIARY_OUTPUT);
    }

    /** As {@link #exportRequantized(Path, GgmlType)}; {@link Overwrite#FORCE} replaces a file already there. */
    public GgufExport exportRequantized(Path file, GgmlType type, Overwrite overwrite) {
        return writeGguf(file, type, overwrite, Map.of());
    }

    @Override
    void writeWeights(Path dir) {
        QuantizedCheckpoint.save(weights().packed(), dir);
    }
}
