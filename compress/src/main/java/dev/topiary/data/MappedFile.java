package dev.topiary.data;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A whole file mapped read-only, little-endian, addressable by {@code long} offsets beyond the 2 GiB one Java buffer
 * reaches: the file is mapped in chunks, each overlapping the next by 8 bytes, so any value of up to 8 bytes lies
 * inside one chunk whatever its alignment (the {@code .idx} arrays start at byte 34 and are never aligned).
 *
 * <p>The mappings are left to the garbage collector to release rather than unmapped explicitly: a read racing an
 * explicit unmap would crash the JVM, while a mapping kept a little longer costs only address space.
 */
final class MappedFile {

    static final long DEFAULT_CHUNK_BYTES = 1L << 30;
    private static final int OVERLAP = 8;

    private final long size;
    private final long chunkBytes;
    private final MappedByteBuffer[] chunks;

    private MappedFile(long size, long chunkBytes, MappedByteBuffer[] chunks) {
        this.size = size;
        this.chunkBytes = chunkBytes;
        this.chunks = chunks;
    }

    static MappedFile map(Path file) throws IOException {
        return map(file, DEFAULT_CHUNK_BYTES);
    }

    /** Maps {@code file} in chunks of {@code chunkBytes}; tests make them small to cross chunk boundaries. */
    static MappedFile map(Path file, long chunkBytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            int count = Math.toIntExact((size + chunkBytes - 1) / chunkBytes);
            MappedByteBuffer[] chunks = new MappedByteBuffer[count];
            for (int k = 0; k < count; k++) {
                long start = k * chunkBytes;
                long length = Math.min(size - start, chunkBytes + OVERLAP);
                chunks[k] = channel.map(FileChannel.MapMode.READ_ONLY, start, length);
                chunks[k].order(ByteOrder.LITTLE_ENDIAN);
            }
            return new MappedFile(size, chunkBytes, chunks);
        }
    }

    long size() {
        return size;
    }

    byte getByte(long offset) {
        return chunk(offset).get(position(offset));
    }

    short getShort(long offset) {
        return chunk(offset).getShort(position(offset));
    }

    int getInt(long offset) {
        return chunk(offset).getInt(position(offset));
    }

    long getLong(long offset) {
        return chunk(offset).getLong(position(offset));
    }

    private MappedByteBuffer chunk(long offset) {
        return chunks[(int) (offset / chunkBytes)];
    }

    private int position(long offset) {
        return (int) (offset % chunkBytes);
    }
}
