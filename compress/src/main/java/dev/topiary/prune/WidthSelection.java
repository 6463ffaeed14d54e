package dev.topiary.prune;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * What width pruning keeps of a model: which embedding (hidden) channels, which query heads of each layer and which
 * MLP neurons of each layer. Indices refer to the source model and are held sorted ascending, so kept units keep
 * their relative order.
 *
 * <p>Heads are pruned as Minitron does: the same number of query heads is removed from every KV group, and every
 * key/value head stays, so the pruned model is still grouped-query attention with the same
 * {@code num_key_value_heads} and {@code head_dim}. A Llama config has one head count and one
 * {@code intermediate_size}, so every layer must keep as many heads, and as many neurons, as every other.
 *
 * <p>Immutable; validated on construction against the source config, with one-line errors naming what is wrong.
 */
public final class WidthSelection {

    private final LlamaConfig source;
    private final int[] hiddenChannels;
    private final int[][] heads;
    private final int[][] neurons;

    private WidthSelection(LlamaConfig source, int[] hiddenChannels, int[][] heads, int[][] neurons) {
        this.source = source;
        this.hiddenChannels = indices("hidden channels", hiddenChannels, source.hiddenSize());
        int layers = source.numHiddenLayers();
        this.heads = perLayer("query heads", heads, layers, source.numAttentionHeads());
        this.neurons = perLayer("MLP neurons", neurons, layers, source.intermediateSize());
        for (int layer = 0; layer < layers; layer++) {
            checkGroups(layer, this.heads[layer]);
        }
    }

    /**
     * A selection of the given units of a model of {@code source}'s architecture. Index arrays may come in any
     * order; they are copied and sorted.
     *
     * @param hiddenChannels embedding channels to keep, in [0, hidden_size)
     * @param headsPerLayer for each layer, the query heads to keep, in [0, num_attention_heads)
     * @param neuronsPerLayer for each layer, the MLP neurons to keep, in [0, intermediate_size)
     * @throws TopiaryException on indices out of range or repeated, a wrong number of layers, layers keeping
     *     different numbers of heads or neurons, or KV groups keeping different numbers of heads
     */
    public static WidthSelection of(LlamaConfig source, int[] hiddenChannels, int[][] headsPerLayer,
            int[][] neuronsPerLayer) {
        return new WidthSelection(source, hiddenChannels, headsPerLayer, neuronsPerLayer);
    }

    /** Everything kept: the identity selection, to vary with the {@code with*} methods. */
    public static WidthSelection all(LlamaConfig source) {
        int layers = source.numHiddenLayers();
        int[] heads = range(source.numAttentionHeads());
        int[] neurons = range(source.intermediateSize());
        return new WidthSelection(source, range(source.hiddenSize()), repeat(heads, layers), repeat(neurons, layers));
    }

    /** This selection with other hidden channels kept. */
    public WidthSelection withHiddenChannels(int... channels) {
        return new WidthSelection(source, channels, heads, neurons);
    }

    /** This selection with other query heads kept in each layer. */
    public WidthSelection withHeads(int[][] headsPerLayer) {
        return new WidthSelection(source, hiddenChannels, headsPerLayer, neurons);
    }

    /** This selection keeping the same query heads in every layer. */
    public WidthSelection withHeadsInEveryLayer(int... heads) {
        return withHeads(repeat(heads, source.numHiddenLayers()));
    }

    /** This selection with other MLP neurons kept in each layer. */
    public WidthSelection withNeurons(int[][] neuronsPerLayer) {
        return new WidthSelection(source, hiddenChannels, heads, neuronsPerLayer);
    }

    /** This selection keeping the same MLP neurons in every layer. */
    public WidthSelection withNeuronsInEveryLayer(int... neurons) {
        return withNeurons(repeat(neurons, source.numHiddenLayers()));
    }

    /** The architecture the indices refer to. */
    public LlamaConfig source() {
        return source;
    }

    /** The architecture after pruning: new hidden, FFN and head counts; KV heads, head_dim and the rest kept. */
    public LlamaConfig prunedConfig() {
        return source.toBuilder()
                .setHiddenSize(hiddenChannels.length)
                .setIntermediateSize(neurons[0].length)
                .setNumAttentionHeads(heads[0].length)
                .optNumKeyValueHeads(source.numKeyValueHeads())
                .optHeadDim(source.headDim())
                .build();
    }

    /** Kept hidden channels, ascending. */
    public int[] hiddenChannels() {
        return hiddenChannels.clone();
    }

    /** Kept query heads of a layer, ascending. */
    public int[] heads(int layer) {
        return heads[checkLayer(layer)].clone();
    }

    /** Kept MLP neurons of a layer, ascending. */
    public int[] neurons(int layer) {
        return neurons[checkLayer(layer)].clone();
    }

    /** The rows of q_proj (and columns of o_proj) of the kept heads of a layer: head-major blocks of head_dim. */
    public long[] headRows(int layer) {
        int headDim = source.headDim();
        int[] kept = heads[checkLayer(layer)];
        long[] rows = new long[kept.length * headDim];
        for (int k = 0; k < kept.length; k++) {
            for (int j = 0; j < headDim; j++) {
                rows[k * headDim + j] = (long) kept[k] * headDim + j;
            }
        }
        return rows;
    }

    /** True when this selection keeps everything of its source. */
    public boolean isIdentity() {
        return prunedConfig().equals(source);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof WidthSelection other && source.equals(other.source)
                && Arrays.equals(hiddenChannels, other.hiddenChannels)
                && Arrays.deepEquals(heads, other.heads) && Arrays.deepEquals(neurons, other.neurons);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(hiddenChannels) + 17 * Arrays.deepHashCode(heads) + Arrays.deepHashCode(neurons);
    }

    @Override
    public String toString() {
        return "WidthSelection{hidden " + source.hiddenSize() + " -> " + hiddenChannels.length
                + ", heads " + source.numAttentionHeads() + " -> " + heads[0].length
                + " (kv " + source.numKeyValueHeads() + "), ffn " + source.intermediateSize() + " -> "
                + neurons[0].length + ", " + heads.length + " layers}";
    }

    private int checkLayer(int layer) {
        if (layer < 0 || layer >= heads.length) {
            throw new TopiaryException("layer " + layer + " is out of range: the model has " + heads.length
                    + " layers");
        }
        return layer;
    }

    /** Equal numbers of kept heads in every KV group (heads h belongs to group h / group size, as repeat_kv). */
    private void checkGroups(int layer, int[] kept) {
        int kvHeads = source.numKeyValueHeads();
        if (kept.length % kvHeads != 0) {
            throw new TopiaryException("layer " + layer + " keeps " + kept.length + " query heads, not a multiple of"
                    + " the " + kvHeads + " KV heads: every KV group must keep as many query heads");
        }
        int groupSize = source.queryGroupSize();
        int[] perGroup = new int[kvHeads];
        for (int h : kept) {
            perGroup[h / groupSize]++;
        }
        for (int g = 1; g < kvHeads; g++) {
            if (perGroup[g] != perGroup[0]) {
                throw new TopiaryException("layer " + layer + " keeps " + perGroup[0] + " query heads of KV group 0"
                        + " but " + perGroup[g] + " of KV group " + g + ": the same number must be kept in every"
                        + " group (heads per group: " + Arrays.toString(perGroup) + ")");
            }
        }
    }

    private static int[][] perLayer(String what, int[][] perLayer, int layers, int size) {
        if (perLayer == null || perLayer.length != layers) {
            throw new TopiaryException("the " + what + " to keep must be given for each of the " + layers
                    + " layers, got " + (perLayer == null ? "none" : perLayer.length));
        }
        int[][] sorted = new int[layers][];
        for (int layer = 0; layer < layers; layer++) {
            sorted[layer] = indices(what + " of layer " + layer, perLayer[layer], size);
            if (sorted[layer].length != sorted[0].length) {
                throw new TopiaryException("layer " + layer + " keeps " + sorted[layer].length + " " + what
                        + " but layer 0 keeps " + sorted[0].length + ": a Llama config has one count for all layers");
            }
        }
        return sorted;
    }

    private static int[] indices(String what, int[] kept, int size) {
        if (kept == null || kept.length == 0) {
            throw new TopiaryException("no " + what + " kept: at least one of " + size + " must stay");
        }
        int[] sorted = kept.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || sorted[i] >= size) {
                throw new TopiaryException(what + ": index " + sorted[i] + " is out of range [0, " + size + ")");
            }
            if (i > 0 && sorted[i] == sorted[i - 1]) {
                throw new TopiaryException(what + ": index " + sorted[i] + " is listed twice");
            }
        }
        return sorted;
    }

    private static int[] range(int n) {
        return IntStream.range(0, n).toArray();
    }

    private static int[][] repeat(int[] row, int times) {
        int[][] rows = new int[times][];
        Arrays.fill(rows, row);
        return rows;
    }
}
