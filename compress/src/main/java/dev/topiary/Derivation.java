package dev.topiary;

import dev.topiary.llama.LlamaConfig;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Which of its origin's hidden channels and layers a model still has, in order: what lets a distillation compare
 * a pruned student's hidden states with the matching channels and layers of the teacher it was pruned from.
 *
 * @param origin the architecture the indices refer to
 * @param hiddenChannels origin hidden channel of each of the model's channels
 * @param layers origin layer of each of the model's layers
 */
record Derivation(LlamaConfig origin, int[] hiddenChannels, int[] layers) {

    /** An unpruned model: every channel and layer its own. */
    static Derivation identity(LlamaConfig config) {
        return new Derivation(config, IntStream.range(0, config.hiddenSize()).toArray(),
                IntStream.range(0, config.numHiddenLayers()).toArray());
    }

    /** After width pruning kept {@code channels} (indices into this model's hidden channels). */
    Derivation keepChannels(int[] channels) {
        return new Derivation(origin, Arrays.stream(channels).map(c -> hiddenChannels[c]).toArray(), layers);
    }

    /** After depth pruning removed {@code dropped} (indices into this model's layers). */
    Derivation dropLayers(int[] dropped) {
        return new Derivation(origin, hiddenChannels, IntStream.range(0, layers.length)
                .filter(l -> Arrays.stream(dropped).noneMatch(d -> d == l)).map(l -> layers[l]).toArray());
    }

    /** Whether this model is its origin, unpruned. */
    boolean isIdentity(LlamaConfig current) {
        return current.hiddenSize() == origin.hiddenSize() && current.numHiddenLayers() == origin.numHiddenLayers()
                && Arrays.equals(hiddenChannels, identity(origin).hiddenChannels)
                && Arrays.equals(layers, identity(origin).layers);
    }
}
