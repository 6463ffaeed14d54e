package dev.topiary.gguf;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * A GGUF file a model was exported to.
 *
 * @param file where it was written
 * @param type the weights' type (norms and rope factors are always F32)
 * @param bytes the file's size
 * @param parameters the parameters the file holds: the model's, with each shared block counted once per layer
 *     that uses it
 * @param fallbacks matrices stored in another type because their rows do not divide into {@code type}'s blocks, as
 *     "tensor type"
 * @param sharedBlocks the distinct blocks the model's layers shared, each now written once for every layer that uses
 *     it (llama.cpp has no sharing); 0 when every layer had weights of its own
 */
public record GgufExport(Path file, GgmlType type, long bytes, long parameters, List<String> fallbacks,
        int sharedBlocks) {

    public GgufExport {
        fallbacks = List.copyOf(fallbacks);
    }

    /** Bits the file holds per parameter. */
    public double bitsPerWeight() {
        return 8.0 * bytes / parameters;
    }

    /** Whether shared blocks were expanded into layers of their own. */
    public boolean expanded() {
        return sharedBlocks > 0;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "GGUF %s: %s, %,d bytes, %,d parameters (%.2f bits/weight)%s%s", file, type,
                bytes, parameters, bitsPerWeight(),
                fallbacks.isEmpty() ? "" : ", stored in another type: " + String.join(", ", fallbacks),
                expanded() ? "; the layers' " + sharedBlocks + " shared blocks are written once per layer, as"
                        + " llama.cpp has no sharing" : "");
    }
}
