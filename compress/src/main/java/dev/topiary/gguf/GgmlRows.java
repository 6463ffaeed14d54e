package dev.topiary.gguf;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

/** Encodes row-major float data into a GGML type a chunk of rows at a time, so no second full copy is made. */
final class GgmlRows {

    /** Elements encoded per chunk (whole rows). */
    private static final int CHUNK = 1 << 20;

    private GgmlRows() {}

    /** Writes {@code values}, rows of {@code rowLength}, encoded as {@code type}. */
    static void write(GgmlType type, float[] values, int rowLength, OutputStream out) throws IOException {
        int rowsPerChunk = Math.max(1, CHUNK / rowLength);
        for (int start = 0; start < values.length; start += rowsPerChunk * rowLength) {
            int end = Math.min(values.length, start + rowsPerChunk * rowLength);
            out.write(type.encode(Arrays.copyOfRange(values, start, end)));
        }
    }
}
