package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;

/**
 * Builds large NDArrays from values produced in Java (read from a file, converted, generated) without holding a
 * second copy of them.
 *
 * <p>DJL's {@code create(directBuffer)} does not copy: the array keeps the Java direct buffer as its storage, and
 * direct buffers are freed only by the garbage collector and count against {@code -XX:MaxDirectMemorySize}. Here
 * values are written into a bounded staging buffer one chunk at a time, copied into libtorch-owned memory, and the
 * staging buffer is freed at once. Peak extra memory is one chunk, whatever the tensor's size (the embedding of an
 * 8B model in fp32 is over 2 GiB, more than one Java buffer can hold).
 */
public final class NativeArrays {

    /** Values are staged in chunks of at most this many bytes unless a caller asks otherwise. */
    public static final long DEFAULT_CHUNK_BYTES = 64L << 20;

    private NativeArrays() {}

    /** Writes elements {@code [first, first + count)} (row-major) into {@code target}, in native byte order. */
    @FunctionalInterface
    public interface ChunkWriter {
        void write(long first, int count, ByteBuffer target);
    }

    /** An array of {@code shape} and {@code type} on the manager's device whose values {@code writer} supplies. */
    public static NDArray build(NDManager manager, Shape shape, DataType type, ChunkWriter writer) {
        return build(manager, shape, type, DEFAULT_CHUNK_BYTES, writer);
    }

    /** As {@link #build(NDManager, Shape, DataType, ChunkWriter)}, staging at most {@code chunkBytes} at a time. */
    public static NDArray build(NDManager manager, Shape shape, DataType type, long chunkBytes, ChunkWriter writer) {
        long n = shape.size();
        if (n == 0) {
            return manager.zeros(shape, type);
        }
        long perChunk = Math.max(1, chunkBytes / type.getNumOfBytes());
        if (n <= perChunk) {
            return stage(manager, shape, type, 0, (int) n, writer);
        }
        NDArray flat = manager.zeros(new Shape(n), type);
        try {
            for (long first = 0; first < n; first += perChunk) {
                int count = (int) Math.min(perChunk, n - first);
                try (NDArray piece = stage(manager, new Shape(count), type, first, count, writer)) {
                    flat.set(new NDIndex().addSliceDim(first, first + count), piece);
                }
            }
            // The reshaped array is a second libtorch handle on the same storage, so closing flat keeps it.
            return flat.reshape(shape);
        } finally {
            flat.close();
        }
    }

    private static NDArray stage(NDManager manager, Shape shape, DataType type, long first, int count,
            ChunkWriter writer) {
        ByteBuffer staging = DirectBuffers.allocate(Math.multiplyExact(count, type.getNumOfBytes()));
        try {
            writer.write(first, count, staging);
            staging.clear();
            try (NDArray shared = manager.create(staging, shape, type)) {
                return shared.duplicate();
            }
        } finally {
            DirectBuffers.free(staging);
        }
    }
}
