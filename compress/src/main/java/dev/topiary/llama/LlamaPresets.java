package dev.topiary.llama;

import dev.topiary.TopiaryException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Named architectures: the Llama 3.x models the Minitron recipes start from and reach, and small shapes for tests
 * and benchmarks. Each is one call to {@link #llama3} with the published sizes.
 */
public final class LlamaPresets {

    private static final Map<String, Supplier<LlamaConfig>> BY_NAME = Map.of(
            "llama-3.1-8b", LlamaPresets::llama31_8b,
            "minitron-4b-width", LlamaPresets::minitron4bWidth,
            "minitron-4b-depth", LlamaPresets::minitron4bDepth,
            "llama-3.2-1b", LlamaPresets::llama32_1b,
            "tiny", LlamaPresets::tiny);

    private LlamaPresets() {}

    /**
     * A Llama 3.x architecture with Llama-3.1's rotary settings (theta 500000, llama3 scaling) and its 128256-token
     * vocabulary unless {@code vocab} says otherwise. The special tokens are the last 256 ids, as in Llama 3:
     * begin-of-text is the first of them (128000 of 128256), the end ids the 2nd, 9th and 10th.
     */
    public static LlamaConfig llama3(int layers, int hidden, int ffn, int heads, int kvHeads, int headDim, int vocab,
            boolean tied) {
        return LlamaConfig.builder()
                .setNumHiddenLayers(layers).setHiddenSize(hidden).setIntermediateSize(ffn)
                .setNumAttentionHeads(heads).optNumKeyValueHeads(kvHeads).optHeadDim(headDim)
                .setVocabSize(vocab).optTieWordEmbeddings(tied)
                .optRopeTheta(500000).optRopeScaling(RopeScaling.llama31()).optRmsNormEps(1e-5)
                .optMaxPositionEmbeddings(131072).optBosTokenId(vocab - 256)
                .optEosTokenIds(List.of(vocab - 255, vocab - 248, vocab - 247)).optTorchDtype("bfloat16")
                .build();
    }

    /** Llama-3.1-8B: 32 layers, hidden 4096, FFN 14336, 32 heads in 8 KV groups of head_dim 128. */
    public static LlamaConfig llama31_8b() {
        return llama3(32, 4096, 14336, 32, 8, 128, 128256, false);
    }

    /** Llama-3.1-Minitron-4B-Width: hidden 3072, FFN 9216, heads and head_dim kept, 32 layers. */
    public static LlamaConfig minitron4bWidth() {
        return llama3(32, 3072, 9216, 32, 8, 128, 128256, false);
    }

    /** Llama-3.1-Minitron-4B-Depth: 16 layers, widths of the 8B model. */
    public static LlamaConfig minitron4bDepth() {
        return llama3(16, 4096, 14336, 32, 8, 128, 128256, false);
    }

    /**
     * Llama-3.2-1B: 16 layers, hidden 2048, FFN 8192, 32 heads in 8 KV groups of 64, tied embeddings, and
     * Llama-3.2's rope scaling (factor 32).
     */
    public static LlamaConfig llama32_1b() {
        return llama3(16, 2048, 8192, 32, 8, 64, 128256, true).toBuilder()
                .optRopeScaling(RopeScaling.llama32()).build();
    }

    /** A small Llama-3.1-shaped model (FFN 3.5x hidden, 4 query heads per KV group) for quick experiments. */
    public static LlamaConfig tiny() {
        return llama3(4, 256, 896, 8, 2, 32, 4096, true).toBuilder()
                .optBosTokenId(4094).optEosTokenIds(List.of(4095)).optMaxPositionEmbeddings(2048)
                .optTorchDtype("float32").build();
    }

    /** The preset of that name (case-insensitive), or an error listing the names. */
    public static LlamaConfig named(String name) {
        Supplier<LlamaConfig> preset = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (preset == null) {
            throw new TopiaryException("unknown preset '" + name + "': expected one of " + names());
        }
        return preset.get();
    }

    /** The preset names, sorted. */
    public static List<String> names() {
        return BY_NAME.keySet().stream().sorted().toList();
    }
}
