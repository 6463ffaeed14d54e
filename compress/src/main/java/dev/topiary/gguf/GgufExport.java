package dev.topiary.gguf;

import java.nio.file.Path;
import java.util.List;

/**
 * A GGUF file a model was exported to.
 *
 * @param file where it was written
 * @param type the weights' type (norms and rope factors are always F32)
 * @param bytes the file's size
 * @param parameters the model's parameter count
 * @param fallbacks matrices stored in another type because their rows do not divide into {@code type}'s blocks, as
 *     "tensor type"
 */
public record GgufExport(Path file, GgmlType type, long bytes, long parameters, List<String> fallbacks) {

    public GgufExport {
        fallbacks = List.copyOf(fallbacks);
    }

    /** Bits the file holds per parameter. */
    public double bitsPerWeight() {
        return 8.0 * bytes / parameters;
    }
}
