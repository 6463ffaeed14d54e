package dev.topiary.io;

import java.util.Locale;

/** File names of a Hugging Face model directory, shared by the checkpoint reader and writer. */
final class CheckpointFiles {

    /** The single weights file of an unsharded checkpoint. */
    static final String SINGLE = "model.safetensors";
    /** The shard index of a sharded checkpoint. */
    static final String INDEX = "model.safetensors.index.json";
    /** The model configuration. */
    static final String CONFIG = "config.json";

    private CheckpointFiles() {}

    /** Shard {@code i} (1-based) of {@code k}, named as Hugging Face names them. */
    static String shardName(int i, int k) {
        return String.format(Locale.ROOT, "model-%05d-of-%05d.safetensors", i, k);
    }

    /**
     * Whether a file in a model directory describes the model's weights or architecture, and so goes stale when a
     * new checkpoint is written there: the config, safetensors files and indexes, and the usual other weight formats
     * (PyTorch pickles, GGUF, Flax, TensorFlow), e.g. the {@code original/consolidated.00.pth} of Meta's releases.
     */
    static boolean describesWeights(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        return n.equals(CONFIG)
                || n.endsWith(".safetensors")
                || n.endsWith(".safetensors.index.json")
                || n.endsWith(".bin")
                || n.endsWith(".bin.index.json")
                || n.endsWith(".pth")
                || n.endsWith(".pt")
                || n.endsWith(".ckpt")
                || n.endsWith(".gguf")
                || n.endsWith(".msgpack")
                || n.endsWith(".h5");
    }
}
