package dev.topiary.prune;

import dev.topiary.HtmlRenderable;
import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.render.Html;
import java.util.List;
import java.util.Locale;

/**
 * What a pruning would produce, computed from the architecture alone (no weights): the target config, its
 * parameter counts and its size in memory, beside the source's. Lets a user see what "8B to 4B" means before any
 * tensor is touched.
 *
 * <p>Immutable. The factories validate targets against the source and name the offending field.
 */
public final class PruningPlan implements HtmlRenderable {

    /** Width candidates are multiples of this (when the source dimension allows), as GPU kernels prefer. */
    public static final int ALIGNMENT = 64;

    /** A dimension's alignment is lowered until it leaves at least this many candidate sizes. */
    public static final int MIN_CANDIDATES = 16;

    private final String kind;
    private final LlamaConfig source;
    private final LlamaConfig target;

    private PruningPlan(String kind, LlamaConfig source, LlamaConfig target) {
        this.kind = kind;
        this.source = source;
        this.target = target;
    }

    /**
     * Width pruning to the given hidden size, FFN size and query heads; layers, KV heads and head_dim are kept (as in
     * Minitron-4B-Width: Llama-3.1-8B to hidden 3072, FFN 9216, 32 heads).
     *
     * @throws TopiaryException when a target is not positive, exceeds the source, or (heads) is not a multiple of
     *     the KV heads
     */
    public static PruningPlan width(LlamaConfig source, int hidden, int ffn, int heads) {
        within("hidden_size", hidden, source.hiddenSize());
        within("intermediate_size", ffn, source.intermediateSize());
        within("num_attention_heads", heads, source.numAttentionHeads());
        if (heads % source.numKeyValueHeads() != 0) {
            throw new TopiaryException("num_attention_heads target " + heads + " is not a multiple of the "
                    + source.numKeyValueHeads() + " KV heads: every KV group must keep as many query heads");
        }
        LlamaConfig target = source.toBuilder().setHiddenSize(hidden).setIntermediateSize(ffn)
                .setNumAttentionHeads(heads).optNumKeyValueHeads(source.numKeyValueHeads())
                .optHeadDim(source.headDim()).build();
        return new PruningPlan("width", source, target);
    }

    /**
     * Depth pruning to {@code layers} decoder layers, widths kept (as Minitron-4B-Depth: 32 to 16 layers).
     *
     * @throws TopiaryException when layers is not in [1, source layers]
     */
    public static PruningPlan depth(LlamaConfig source, int layers) {
        within("num_hidden_layers", layers, source.numHiddenLayers());
        return new PruningPlan("depth", source, source.toBuilder().setNumHiddenLayers(layers).build());
    }

    /**
     * Width pruning by a ratio, by this rule: heads, KV heads, head_dim and layers are kept (as Minitron-4B-Width
     * keeps them); hidden and FFN sizes shrink by the same factor. The candidates are every hidden size that is a
     * multiple of the alignment up to the source's, plus the source's own; each one's FFN size is the source FFN
     * scaled by the same factor and rounded to the nearest multiple of the FFN's alignment (at least one step). The
     * alignment of a dimension is {@value #ALIGNMENT}, as GPU kernels prefer, unless that leaves fewer than
     * {@value #MIN_CANDIDATES} sizes to choose from (small models): then the largest power of two that leaves as
     * many, down to 1. The plan is the candidate whose total parameter count is closest to {@code keepFraction} of
     * the source's (the larger on a tie). Llama-3.1-8B at 0.5625 gives hidden 2880, FFN 10112 (55.8% of the
     * parameters); Minitron's published 4B-Width (3072, 9216) shrinks the FFN more than the hidden size, a target
     * {@link #width} states directly.
     *
     * @param keepFraction fraction of the parameters to keep, in (0, 1]
     */
    public static PruningPlan widthRatio(LlamaConfig source, double keepFraction) {
        checkFraction(keepFraction);
        double goal = keepFraction * LlamaLayout.parameterCount(source);
        int d = source.hiddenSize();
        int ffn = source.intermediateSize();
        int hiddenStep = alignment(d);
        int ffnStep = alignment(ffn);
        LlamaConfig best = null;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int hidden = hiddenStep; hidden <= d; hidden = nextCandidate(hidden, hiddenStep, d)) {
            int scaledFfn = (int) Math.round((double) ffn * hidden / d / ffnStep) * ffnStep;
            int candidateFfn = Math.max(ffnStep, Math.min(ffn, scaledFfn));
            LlamaConfig candidate = source.toBuilder().setHiddenSize(hidden).setIntermediateSize(candidateFfn)
                    .optHeadDim(source.headDim()).build();
            double distance = Math.abs(LlamaLayout.parameterCount(candidate) - goal);
            if (distance <= bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
            if (hidden == d) {
                break;
            }
        }
        return new PruningPlan("width x" + keepFraction, source, best);
    }

    /**
     * Depth pruning by a ratio: {@code round(layers * keepFraction)} layers, at least one.
     *
     * @param keepFraction fraction of the layers to keep, in (0, 1]
     */
    public static PruningPlan depthRatio(LlamaConfig source, double keepFraction) {
        checkFraction(keepFraction);
        int layers = (int) Math.max(1, Math.round(source.numHiddenLayers() * keepFraction));
        return new PruningPlan("depth x" + keepFraction, source, source.toBuilder().setNumHiddenLayers(layers).build());
    }

    /** The architecture pruned from. */
    public LlamaConfig source() {
        return source;
    }

    /** The architecture pruning produces. */
    public LlamaConfig target() {
        return target;
    }

    /** Parameters of the target, a tied embedding counted once. */
    public long parameterCount() {
        return LlamaLayout.parameterCount(target);
    }

    public long sourceParameterCount() {
        return LlamaLayout.parameterCount(source);
    }

    /** Parameters of the target outside the token embedding and the LM head (as the Minitron paper counts). */
    public long nonEmbeddingParameterCount() {
        return nonEmbedding(target);
    }

    public long sourceNonEmbeddingParameterCount() {
        return nonEmbedding(source);
    }

    /** Target parameters over source parameters. */
    public double keptFraction() {
        return (double) parameterCount() / sourceParameterCount();
    }

    /**
     * Bytes the target's weights take at a precision: 2 per parameter for bf16/fp16, 4 for fp32, 1 for int8, 0.5 for
     * int4 (without quantization scales).
     */
    public long bytes(double bytesPerParameter) {
        if (!(bytesPerParameter > 0)) {
            throw new TopiaryException("bytes per parameter must be positive, got " + bytesPerParameter);
        }
        return (long) Math.ceil(parameterCount() * bytesPerParameter);
    }

    @Override
    public String toString() {
        return kind + " pruning plan\n"
                + "  from " + source + "\n"
                + "  to   " + target + "\n"
                + String.format("  layers %d -> %d, hidden %d -> %d, ffn %d -> %d, heads %d -> %d (kv %d, head_dim %d)%n",
                        source.numHiddenLayers(), target.numHiddenLayers(), source.hiddenSize(), target.hiddenSize(),
                        source.intermediateSize(), target.intermediateSize(), source.numAttentionHeads(),
                        target.numAttentionHeads(), target.numKeyValueHeads(), target.headDim())
                + String.format("  parameters %,d -> %,d (%.1f%%)%n", sourceParameterCount(), parameterCount(),
                        100 * keptFraction())
                + String.format("  non-embedding parameters %,d -> %,d%n", sourceNonEmbeddingParameterCount(),
                        nonEmbeddingParameterCount())
                + "  size " + Html.bytes(bytes(2)) + " in bf16, " + Html.bytes(bytes(4)) + " in fp32";
    }

    /** The plan as a table of source and target dimensions, parameter counts and sizes. */
    @Override
    public String toHtml() {
        List<List<?>> rows = List.of(
                List.of("layers", source.numHiddenLayers(), target.numHiddenLayers()),
                List.of("hidden", source.hiddenSize(), target.hiddenSize()),
                List.of("ffn", source.intermediateSize(), target.intermediateSize()),
                List.of("heads (kv)", source.numAttentionHeads() + " (" + source.numKeyValueHeads() + ")",
                        target.numAttentionHeads() + " (" + target.numKeyValueHeads() + ")"),
                List.of("head_dim", source.headDim(), target.headDim()),
                List.of("parameters", Html.count(sourceParameterCount()), Html.count(parameterCount())),
                List.of("non-embedding", Html.count(sourceNonEmbeddingParameterCount()),
                        Html.count(nonEmbeddingParameterCount())),
                List.of("bf16 size", Html.bytes((long) Math.ceil(sourceParameterCount() * 2.0)), Html.bytes(bytes(2))));
        return Html.section(String.format(Locale.ROOT, "%s pruning plan: %.1f%% of the parameters kept", kind,
                100 * keptFraction()), Html.table(List.of("", "source", "target"), rows));
    }

    private static long nonEmbedding(LlamaConfig c) {
        long embedding = (long) c.vocabSize() * c.hiddenSize();
        return LlamaLayout.parameterCount(c) - (c.tieWordEmbeddings() ? embedding : 2 * embedding);
    }

    /** The alignment of a dimension, as {@link #widthRatio} states it. */
    static int alignment(int size) {
        for (int a = ALIGNMENT; a > 1; a /= 2) {
            if (size / a >= MIN_CANDIDATES) {
                return a;
            }
        }
        return 1;
    }

    private static int nextCandidate(int hidden, int step, int max) {
        return hidden + step > max ? max : hidden + step;
    }

    private static void within(String field, int target, int source) {
        if (target < 1 || target > source) {
            throw new TopiaryException(field + " target " + target + " must be in [1, " + source
                    + "]: pruning cannot grow a model");
        }
    }

    private static void checkFraction(double keepFraction) {
        if (!(keepFraction > 0 && keepFraction <= 1)) {
            throw new TopiaryException("keep fraction " + keepFraction + " must be in (0, 1]");
        }
    }
}
