package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import dev.topiary.TopiaryException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * Cross-layer parameter sharing: a model whose L layers compute with k &lt; L distinct blocks of weights, laid out by
 * a named {@link Pattern}, and the two ways between such a model and an ordinary one.
 *
 * <p>{@link #share} initialises each block from one layer of the source: the first layer that uses it (layer
 * {@code b} for {@link Pattern#CYCLE}, layer {@code b * L / k} for {@link Pattern#ADJACENT}), which is also the
 * layer whose names it is stored under ({@link LlamaLayout#storedLayer}). {@link #expand} copies each block into
 * every layer that uses it: the same function as an ordinary Llama, for runtimes without sharing.
 */
public final class LayerSharing {

    private LayerSharing() {}

    /** Which block each layer uses. */
    public enum Pattern {
        /** Layer {@code i} uses block {@code i mod k}: the k blocks repeated (ALBERT, Universal Transformer). */
        CYCLE,
        /** Consecutive groups of {@code L / k} layers use one block each; L must be a multiple of k. */
        ADJACENT;

        /** The pattern's name in recipes and on the command line: {@code cycle} or {@code adjacent}. */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * @throws TopiaryException naming the known patterns when {@code id} is none of them
         */
        public static Pattern of(String id) {
            for (Pattern p : values()) {
                if (p.id().equals(id)) {
                    return p;
                }
            }
            throw new TopiaryException("unknown layer-sharing pattern '" + id + "': expected one of "
                    + Arrays.stream(values()).map(Pattern::id).collect(Collectors.joining(", ")));
        }

        /**
         * The block of each of {@code layers} layers sharing {@code blocks} blocks, numbered in order of first use.
         *
         * @throws TopiaryException when {@code blocks} is not between 1 and {@code layers}, or the pattern needs
         *     {@code layers} to be a multiple of {@code blocks} and it is not
         */
        public List<Integer> layerBlocks(int layers, int blocks) {
            if (blocks < 1 || blocks > layers) {
                throw new TopiaryException("cannot share " + layers + " layers among " + blocks + " blocks: the"
                        + " number of blocks must be between 1 and the number of layers (" + layers + ")");
            }
            if (this == ADJACENT && layers % blocks != 0) {
                throw new TopiaryException("the adjacent pattern gives each block the same number of consecutive"
                        + " layers, so the " + layers + " layers must be a multiple of the blocks (" + blocks
                        + "); use cycle, or a number of blocks that divides " + layers);
            }
            int group = layers / blocks;
            return IntStream.range(0, layers).map(l -> this == CYCLE ? l % blocks : l / group).boxed().toList();
        }
    }

    /**
     * A new model of {@code source}'s weights whose layers share blocks as {@code layerBlocks} says, each block a
     * copy of the first layer that uses it; {@code source} is unchanged.
     *
     * @throws TopiaryException when {@code source} already shares layers, or {@code layerBlocks} does not fit it
     */
    public static Llama share(Llama source, List<Integer> layerBlocks) {
        LlamaConfig config = source.config();
        config.checkUnshared("sharing layers");
        LlamaConfig shared;
        try {
            shared = config.toBuilder().optLayerBlocks(layerBlocks).build();
        } catch (IllegalArgumentException e) {
            throw new TopiaryException("cannot share the layers of " + config + ": " + e.getMessage());
        }
        Map<String, NDArray> copies = new LinkedHashMap<>();
        for (String name : LlamaLayout.shapes(shared).keySet()) {
            copies.put(name, source.parameters().get(name).duplicate());
        }
        return Llama.fromParameters(shared, copies, "layers of " + config + " shared as " + layerBlocks);
    }

    /**
     * A new model in which every layer has its own copy of the block it used, {@code source}'s config without
     * {@code layer_blocks}: the same logits, as an ordinary Llama. A model that shares nothing is copied as it is.
     */
    public static Llama expand(Llama source) {
        LlamaConfig config = source.config();
        LlamaConfig expanded = config.withoutLayerSharing();
        Map<String, NDArray> copies = new LinkedHashMap<>();
        for (String name : LlamaLayout.shapes(expanded).keySet()) {
            copies.put(name, source.parameters().get(LlamaLayout.storedName(config, name)).duplicate());
        }
        return Llama.fromParameters(expanded, copies, "expansion of " + config);
    }
}
