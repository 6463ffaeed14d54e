package dev.topiary.prune;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.util.Arrays;

/**
 * Turns importance scores into what to keep, Minitron's way: the most important embedding channels, in every layer
 * the most important MLP neurons, and in every layer the most important query heads of each KV group (the same
 * number from every group, so grouped-query attention keeps its shape); for depth, the layers that change the
 * residual stream least are dropped.
 */
public final class ImportanceSelection {

    private ImportanceSelection() {}

    /**
     * The width selection that prunes a model of {@code source}'s architecture to {@code target}'s hidden size,
     * FFN size and number of heads (head_dim, KV heads and layers unchanged).
     *
     * @throws TopiaryException when the target is not a narrowing of the source the architecture allows
     */
    public static WidthSelection width(ImportanceScores scores, LlamaConfig source, LlamaConfig target) {
        if (target.numKeyValueHeads() != source.numKeyValueHeads() || target.headDim() != source.headDim()
                || target.numHiddenLayers() != source.numHiddenLayers()) {
            throw new TopiaryException("width pruning keeps num_key_value_heads, head_dim and num_hidden_layers; the"
                    + " target " + target + " changes them from " + source);
        }
        if (scores.layers() != source.numHiddenLayers()) {
            throw new TopiaryException("the importance scores describe " + scores.layers() + " layers, the model has "
                    + source.numHiddenLayers());
        }
        int groups = source.numKeyValueHeads();
        int keepPerGroup = target.numAttentionHeads() / groups;
        int layers = source.numHiddenLayers();
        int[][] heads = new int[layers][];
        int[][] neurons = new int[layers][];
        for (int l = 0; l < layers; l++) {
            heads[l] = headsByGroup(scores.heads(l), groups, keepPerGroup);
            neurons[l] = ImportanceScores.top(scores.neurons(l), target.intermediateSize());
        }
        return WidthSelection.of(source,
                ImportanceScores.top(scores.embeddingChannels(), target.hiddenSize()), heads, neurons);
    }

    /** In every KV group of query heads, the {@code keep} most important, as global head indices. */
    static int[] headsByGroup(float[] headScores, int groups, int keep) {
        int perGroup = headScores.length / groups;
        int[] kept = new int[groups * keep];
        for (int g = 0; g < groups; g++) {
            float[] groupScores = Arrays.copyOfRange(headScores, g * perGroup, (g + 1) * perGroup);
            int[] top = ImportanceScores.top(groupScores, keep);
            for (int i = 0; i < keep; i++) {
                kept[g * keep + i] = g * perGroup + top[i];
            }
        }
        return kept;
    }

    /** The {@code drop} layers with the smallest {@code 1 - cos(input, output)}, in ascending order. */
    public static int[] leastImportantLayers(ImportanceScores scores, int drop) {
        if (drop < 0 || drop >= scores.layers()) {
            throw new TopiaryException("cannot drop " + drop + " of " + scores.layers() + " layers: at least one"
                    + " must remain");
        }
        int[] order = scores.layersByCosineDistance();
        int[] dropped = Arrays.copyOf(order, drop);
        Arrays.sort(dropped);
        return dropped;
    }
}
