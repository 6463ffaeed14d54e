package dev.topiary.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.engine.DirectBuffers;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;

/**
 * Writes safetensors files from NDArrays, tensor by tensor, so the file is never built in memory.
 *
 * <p>The file appears under its name only once complete: it is written as {@code NAME.tmp} and renamed, and the
 * temporary file is deleted if writing fails.
 */
public final class SafetensorsWriter {

    // Bytes converted and handed to the file per write call.
    private static final int IO_CHUNK_BYTES = 1 << 20;

    private SafetensorsWriter() {}

    /**
     * Writes {@code tensors}, in map order, to {@code file}, replacing any file there.
     *
     * <p>Floating arrays (FLOAT32, FLOAT16, FLOAT64) are stored as {@code floatDType} (F32, F16 or BF16), narrowed
     * with round to nearest even; integer arrays (INT8, UINT8, INT32, INT64) are stored as they are (I8, U8, I32,
     * I64). The header is padded with spaces so the data starts 8-byte aligned, as the reference writer does.
     *
     * @param metadata {@code __metadata__} entries; null or empty writes none
     * @throws IllegalArgumentException when {@code floatDType} is not floating, an array has another type, or a
     *     tensor is named {@code __metadata__}
     * @throws TopiaryException when the file cannot be written
     */
    public static void write(Path file, Map<String, NDArray> tensors, TensorDType floatDType,
            Map<String, String> metadata) {
        if (!floatDType.isFloating()) {
            throw new IllegalArgumentException("floatDType must be F32, F16 or BF16, not " + floatDType);
        }
        byte[] header = header(tensors, floatDType, metadata);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        boolean done = false;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(channel, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(0, header.length));
                writeFully(channel, ByteBuffer.wrap(header));
                ByteBuffer buffer = DirectBuffers.allocate(IO_CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                try {
                    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                        writeData(channel, buffer, e.getKey(), e.getValue(), storageType(e.getKey(), e.getValue(),
                                floatDType));
                    }
                } finally {
                    DirectBuffers.free(buffer);
                }
                // Durable before the rename makes it visible: a crash must not leave a complete-looking empty file.
                channel.force(true);
            }
            moveIntoPlace(tmp, file);
            done = true;
        } catch (IOException e) {
            throw new TopiaryException("cannot write safetensors file " + file + ": " + IoErrors.describe(e), e);
        } finally {
            if (!done) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // The original failure is the one to report.
                }
            }
        }
    }

    /**
     * The safetensors type an array is stored as: {@code floatDType} for floating arrays, the matching integer type
     * for integer arrays.
     *
     * @throws IllegalArgumentException for other array types
     */
    static TensorDType storageType(String name, NDArray array, TensorDType floatDType) {
        DataType t = array.getDataType();
        if (t == DataType.FLOAT32 || t == DataType.FLOAT16 || t == DataType.FLOAT64) {
            return floatDType;
        }
        if (t == DataType.INT8) {
            return TensorDType.I8;
        }
        if (t == DataType.UINT8) {
            return TensorDType.U8;
        }
        if (t == DataType.INT32) {
            return TensorDType.I32;
        }
        if (t == DataType.INT64) {
            return TensorDType.I64;
        }
        throw new IllegalArgumentException("tensor '" + name + "' has type " + t
                + "; safetensors export takes FLOAT32, FLOAT16, FLOAT64, INT8, UINT8, INT32 or INT64");
    }

    /** Bytes the array's data takes in the file when floating arrays are stored as {@code floatDType}. */
    static long storedBytes(String name, NDArray array, TensorDType floatDType) {
        return Math.multiplyExact(array.getShape().size(), storageType(name, array, floatDType).byteSize());
    }

    private static byte[] header(Map<String, NDArray> tensors, TensorDType floatDType, Map<String, String> metadata) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                throw new IllegalArgumentException("a tensor cannot be named __metadata__");
            }
            NDArray array = e.getValue();
            TensorDType dtype = storageType(name, array, floatDType);
            long bytes = storedBytes(name, array, floatDType);
            ObjectNode entry = root.putObject(name);
            entry.put("dtype", dtype.safetensorsName());
            ArrayNode shape = entry.putArray("shape");
            for (long d : array.getShape().getShape()) {
                shape.add(d);
            }
            ArrayNode offsets = entry.putArray("data_offsets");
            offsets.add(offset);
            offsets.add(offset + bytes);
            offset += bytes;
        }
        byte[] json;
        try {
            json = SafetensorsReader.JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        // Spaces so that 8 (the length field) + header is a multiple of 8: the data then starts aligned.
        int padded = (json.length + 7) & ~7;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void writeData(FileChannel channel, ByteBuffer buffer, String name, NDArray array,
            TensorDType dtype) throws IOException {
        long expected = array.getShape().size();
        switch (dtype) {
            case F32, F16, BF16 -> {
                float[] values = floatValues(array);
                checkCount(name, values.length, expected);
                int per = IO_CHUNK_BYTES / dtype.byteSize();
                FloatBuffer src = FloatBuffer.wrap(values);
                while (src.hasRemaining()) {
                    int count = Math.min(per, src.remaining());
                    buffer.clear();
                    switch (dtype) {
                        case F32 -> {
                            buffer.asFloatBuffer().put(values, src.position(), count);
                            src.position(src.position() + count);
                            buffer.position(count * Float.BYTES);
                        }
                        case F16 -> FloatFormats.floatToF16(src, buffer, count);
                        default -> FloatFormats.floatToBf16(src, buffer, count);
                    }
                    buffer.flip();
                    writeFully(channel, buffer);
                }
            }
            case I8, U8 -> {
                byte[] values = array.toByteArray();
                checkCount(name, values.length, expected);
                for (int off = 0; off < values.length; off += IO_CHUNK_BYTES) {
                    buffer.clear();
                    buffer.put(values, off, Math.min(IO_CHUNK_BYTES, values.length - off)).flip();
                    writeFully(channel, buffer);
                }
            }
            case I32 -> {
                int[] values = array.toIntArray();
                checkCount(name, values.length, expected);
                int per = IO_CHUNK_BYTES / Integer.BYTES;
                for (int off = 0; off < values.length; off += per) {
                    int count = Math.min(per, values.length - off);
                    buffer.clear();
                    buffer.asIntBuffer().put(values, off, count);
                    buffer.limit(count * Integer.BYTES);
                    writeFully(channel, buffer);
                }
            }
            case I64 -> {
                long[] values = array.toLongArray();
                checkCount(name, values.length, expected);
                int per = IO_CHUNK_BYTES / Long.BYTES;
                for (int off = 0; off < values.length; off += per) {
                    int count = Math.min(per, values.length - off);
                    buffer.clear();
                    buffer.asLongBuffer().put(values, off, count);
                    buffer.limit(count * Long.BYTES);
                    writeFully(channel, buffer);
                }
            }
        }
    }

    // One tensor at a time in Java memory; the fp32 copy of a narrower array is released at once.
    private static float[] floatValues(NDArray array) {
        if (array.getDataType() == DataType.FLOAT32) {
            return array.toFloatArray();
        }
        try (NDArray wide = array.toType(DataType.FLOAT32, false)) {
            return wide.toFloatArray();
        }
    }

    private static void checkCount(String name, long actual, long expected) {
        if (actual != expected) {
            throw new IllegalStateException("tensor '" + name + "' gave " + actual + " values for " + expected
                    + " elements");
        }
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Renames {@code from} onto {@code to} atomically where the file system allows, replacing {@code to}. */
    static void moveIntoPlace(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
