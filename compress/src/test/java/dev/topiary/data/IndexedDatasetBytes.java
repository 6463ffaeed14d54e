package dev.topiary.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Builds indexed-dataset files byte by byte from the documented layout, independently of the writer, so tests can
 * check the reader against the format and the writer against these bytes.
 */
final class IndexedDatasetBytes {

    private IndexedDatasetBytes() {}

    /** The {@code .idx} bytes for the given header fields and arrays, each written exactly as the layout says. */
    static byte[] idx(String magic, long version, int dtypeCode, int[] sizes, long[] pointers, long[] documentIndex) {
        byte[] m = magic.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(m.length + 8 + 1 + 8 + 8 + 4 * sizes.length + 8 * pointers.length
                + 8 * documentIndex.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(m).putLong(version).put((byte) dtypeCode).putLong(sizes.length).putLong(documentIndex.length);
        for (int s : sizes) {
            b.putInt(s);
        }
        for (long p : pointers) {
            b.putLong(p);
        }
        for (long d : documentIndex) {
            b.putLong(d);
        }
        return b.array();
    }

    /** A well-formed {@code .idx}: magic, version 1, pointers computed from the sizes. */
    static byte[] idx(int dtypeCode, int bytesPerToken, int[] sizes, long[] documentIndex) {
        long[] pointers = new long[sizes.length];
        long at = 0;
        for (int i = 0; i < sizes.length; i++) {
            pointers[i] = at;
            at += (long) sizes[i] * bytesPerToken;
        }
        return idx("MMIDIDX\0\0", 1, dtypeCode, sizes, pointers, documentIndex);
    }

    /** {@code tokens} as little-endian uint16. */
    static byte[] uint16(int... tokens) {
        ByteBuffer b = ByteBuffer.allocate(2 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : tokens) {
            b.putShort((short) t);
        }
        return b.array();
    }

    /** {@code tokens} as little-endian int32. */
    static byte[] int32(int... tokens) {
        ByteBuffer b = ByteBuffer.allocate(4 * tokens.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int t : tokens) {
            b.putInt(t);
        }
        return b.array();
    }

    /** Writes {@code PREFIX.idx} and {@code PREFIX.bin}; returns the prefix. */
    static Path write(Path prefix, byte[] idx, byte[] bin) throws IOException {
        Files.write(Path.of(prefix + ".idx"), idx);
        Files.write(Path.of(prefix + ".bin"), bin);
        return prefix;
    }
}
