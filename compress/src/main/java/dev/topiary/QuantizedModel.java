package dev.topiary;

import dev.topiary.engine.Engines;
import dev.topiary.quant.PackedModel;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedCheckpoint;
import java.nio.file.Path;

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
        return new QuantizedModel(weights, Model.tokenizerIn(dir), ModelDefaults.none(),
                Lineage.of(new Origin.Checkpoint(dir, null)), Derivation.identity(packed.config()));
    }

    /** The precision of the packed weights. */
    public Precision precision() {
        return Precision.of(scheme());
    }

    /** The packed layout: number format and which weights share a scale. */
    public QuantScheme scheme() {
        return weights().packed().scheme();
    }

    @Override
    public long storedBytes() {
        return weights().packed().storedBytes();
    }

    @Override
    String storage() {
        return precision().toString();
    }

    @Override
    void writeWeights(Path dir) {
        QuantizedCheckpoint.save(weights().packed(), dir);
    }
}
