package dev.topiary.gguf;

import dev.topiary.TopiaryException;

/**
 * A matrix {@code [rows, columns]} already in GGML blocks, which {@link LlamaGguf} writes as it is instead of
 * encoding it from floats: its rows in Hugging Face's order (the export permutes q and k rows, each a whole run of
 * blocks), each {@code columns / type.blockSize()} blocks long.
 *
 * @param type the blocks' type
 * @param blocks the encoded rows, row-major
 */
public record EncodedMatrix(GgmlType type, byte[] blocks) {

    /**
     * The bytes of one row of {@code columns} elements.
     *
     * @throws TopiaryException naming the tensor when the blocks do not hold {@code rows} rows of {@code columns}
     */
    int rowBytes(String name, long rows, long columns) {
        long row = columns / type.blockSize() * type.bytesPerBlock();
        if (!type.fits(columns) || row * rows != blocks.length) {
            throw new TopiaryException(name + " [" + rows + ", " + columns + "]: " + blocks.length + " bytes of "
                    + type.ggmlName() + " blocks given, expected " + rows + " rows of " + row);
        }
        return (int) row;
    }
}
