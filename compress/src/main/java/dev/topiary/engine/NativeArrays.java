package dev.topiary.engine;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Builds large NDArrays from bytes produced in Java without holding a second copy of them.
 *
 * <p>DJL's {@code create(directBuffer)} does not copy: the array keeps the Java direct buffer as its storage, and
 * direct buffers are freed only by the garbage collector and count against {@code -XX:MaxDirectMemorySize}. Here
 * bytes are filled into a bounded staging buffer a block of rows at a time, copied into a libtorch-owned array,
 * and the staging buffer is freed at once. Peak extra memory is one block, whatever the tensor's size (the
 * embedding of an 8B model in fp32 is over 2 GiB, more than one Java buffer can hold).
 */
public final class NativeArrays {

    /** Rows are staged in blocks of at most this many bytes. */
    static final long BLOCK_BYTES = 256L << 20;

    private NativeArrays() {}

    /** Writes the bytes of rows {@code [firstRow, firstRow + rows)} into {@code target}, little-endian. */
    @FunctionalInterface
    public interface RowWriter {
        void write(long firstRow, long rows, ByteBuffer target);
    }

    /**
     * An array of {@code shape} and {@code type} on the manager's device, whose bytes (row-major, rows along the
     * first axis) {@code writer} supplies.
     */
    public static NDArray build(NDManager manager, Shape shape, DataType type, RowWriter writer) {
        long rows = shape.dimension() == 0 ? 1 : shape.get(0);
        long rowBytes = shape.dimension() == 0 ? type.getNumOfBytes() : shape.size() / Math.max(rows, 1) * type.getNumOfBytes();
        long rowsPerBlock = Math.max(1, Math.min(rows, BLOCK_BYTES / Math.max(rowBytes, 1)));
        if (rowsPerBlock >= rows) {
            return stage(manager, shape, type, rows * rowBytes, b -> writer.write(0, rows, b));
        }
        NDArray result = manager.zeros(shape, type);
        for (long first = 0; first < rows; first += rowsPerBlock) {
            long count = Math.min(rowsPerBlock, rows - first);
            long start = first;
            Shape blockShape = new Shape(count).addAll(shape.slice(1));
            try (NDArray block = stage(manager, blockShape, type, count * rowBytes, b -> writer.write(start, count, b))) {
                result.set(new NDIndex("{}:{}", first, first + count), block);
            }
        }
        return result;
    }

    private interface Filler {
        void fill(ByteBuffer buffer);
    }

    private static NDArray stage(NDManager manager, Shape shape, DataType type, long bytes, Filler filler) {
        ByteBuffer staging = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.LITTLE_ENDIAN);
        try {
            filler.fill(staging);
            staging.rewind();
            try (NDArray view = manager.create(staging, shape, type)) {
                return view.duplicate();
            }
        } finally {
            free(staging);
        }
    }

    /** Releases a direct or mapped buffer now rather than at some later garbage collection. */
    public static void free(ByteBuffer buffer) {
        if (buffer != null && buffer.isDirect()) {
            UnsafeHolder.UNSAFE.invokeCleaner(buffer);
        }
    }

    private static final class UnsafeHolder {
        static final sun.misc.Unsafe UNSAFE = load();

        private static sun.misc.Unsafe load() {
            try {
                Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
                f.setAccessible(true);
                return (sun.misc.Unsafe) f.get(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot release native buffers on this JVM", e);
            }
        }
    }
}
