package dev.topiary.data;

import java.nio.file.Path;

/**
 * What {@link DatasetPreparation} wrote: the dataset's prefix, how many documents and tokens (end-of-text tokens
 * included) it holds, and the type its tokens are stored as.
 */
public record PreparationResult(Path prefix, int documents, long tokens, IndexedDatasetDType dtype) {

    /** {@code PREFIX.idx}. */
    public Path idxFile() {
        return Path.of(prefix + ".idx");
    }

    /** {@code PREFIX.bin}. */
    public Path binFile() {
        return Path.of(prefix + ".bin");
    }
}
