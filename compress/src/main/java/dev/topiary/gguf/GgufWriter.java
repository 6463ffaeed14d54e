package dev.topiary.gguf;

import dev.topiary.TopiaryException;
import dev.topiary.io.AtomicFile;
import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF file (version 3, little-endian): the header, the metadata key-value pairs, the tensor infos, then
 * the tensor data, each tensor aligned to {@value #ALIGNMENT} bytes. Tensor data is streamed from its source when
 * the file is written, so a model is never held twice in memory. The file appears complete or not at all.
 */
public final class GgufWriter {

    /** The alignment of the data section and of every tensor in it (GGUF's default, written as general.alignment). */
    public static final int ALIGNMENT = 32;

    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    private static final int VERSION = 3;

    /** GGUF metadata value types. */
    private static final int UINT32 = 4;
    private static final int INT32 = 5;
    private static final int FLOAT32 = 6;
    private static final int BOOL = 7;
    private static final int STRING = 8;
    private static final int ARRAY = 9;

    /** What writes one tensor's bytes, in GGUF's layout for its type. */
    @FunctionalInterface
    public interface TensorBytes {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Tensor(String name, long[] dims, GgmlType type, long bytes, TensorBytes data) {}

    private final Map<String, byte[]> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    public GgufWriter() {
        putUInt32("general.alignment", ALIGNMENT);
    }

    public GgufWriter putString(String key, String value) {
        return put(key, STRING, string(value));
    }

    public GgufWriter putUInt32(String key, long value) {
        if (value < 0 || value > 0xFFFFFFFFL) {
            throw new TopiaryException("GGUF key " + key + ": " + value + " does not fit a uint32");
        }
        return put(key, UINT32, le(4).putInt((int) value).array());
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, FLOAT32, le(4).putFloat(value).array());
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, BOOL, new byte[] {(byte) (value ? 1 : 0)});
    }

    public GgufWriter putStrings(String key, List<String> values) {
        List<byte[]> encoded = values.stream().map(GgufWriter::string).toList();
        ByteBuffer b = le(12 + encoded.stream().mapToInt(e -> e.length).sum());
        b.putInt(STRING).putLong(values.size());
        encoded.forEach(b::put);
        return put(key, ARRAY, b.array());
    }

    public GgufWriter putInt32s(String key, int[] values) {
        ByteBuffer b = le(12 + 4L * values.length);
        b.putInt(INT32).putLong(values.length);
        for (int v : values) {
            b.putInt(v);
        }
        return put(key, ARRAY, b.array());
    }

    /**
     * Adds a tensor.
     *
     * @param dims its dimensions in GGML order: the contiguous (row) dimension first, the reverse of a row-major
     *     shape
     * @param data writes exactly {@code type.rowBytes(dims[0])} bytes per row, rows in order
     * @throws TopiaryException when the name repeats or the row length is not a whole number of the type's blocks
     */
    public GgufWriter addTensor(String name, long[] dims, GgmlType type, TensorBytes data) {
        if (tensors.stream().anyMatch(t -> t.name().equals(name))) {
            throw new TopiaryException("GGUF tensor " + name + " is added twice");
        }
        long rows = 1;
        for (int d = 1; d < dims.length; d++) {
            rows *= dims[d];
        }
        long bytes;
        try {
            bytes = type.rowBytes(dims[0]) * rows;
        } catch (TopiaryException e) {
            throw new TopiaryException("GGUF tensor " + name + ": " + e.getMessage(), e);
        }
        tensors.add(new Tensor(name, dims.clone(), type, bytes, data));
        return this;
    }

    /**
     * Writes the file, replacing {@code file} only once it is complete.
     *
     * @throws IOException when the file cannot be written, or a tensor's source wrote another number of bytes
     */
    public void write(Path file) throws IOException {
        AtomicFile.write(file, raw -> {
            CountingStream out = new CountingStream(new BufferedOutputStream(raw, 1 << 20));
            out.write(le(24).putInt(MAGIC).putInt(VERSION).putLong(tensors.size()).putLong(metadata.size())
                    .array());
            for (Map.Entry<String, byte[]> kv : metadata.entrySet()) {
                out.write(string(kv.getKey()));
                out.write(kv.getValue());
            }
            long offset = 0;
            for (Tensor t : tensors) {
                out.write(string(t.name()));
                ByteBuffer info = le(4 + 8L * t.dims().length + 4 + 8).putInt(t.dims().length);
                for (long d : t.dims()) {
                    info.putLong(d);
                }
                out.write(info.putInt(t.type().id()).putLong(offset).array());
                offset = align(offset + t.bytes());
            }
            pad(out);
            for (Tensor t : tensors) {
                long start = out.count;
                t.data().writeTo(out);
                if (out.count - start != t.bytes()) {
                    throw new IOException("GGUF tensor " + t.name() + " wrote " + (out.count - start)
                            + " bytes, its type " + t.type() + " and dimensions need " + t.bytes());
                }
                pad(out);
            }
            out.flush();
        });
    }

    private GgufWriter put(String key, int type, byte[] value) {
        if (metadata.containsKey(key)) {
            throw new TopiaryException("GGUF key " + key + " is set twice");
        }
        ByteBuffer b = le(4 + value.length).putInt(type).put(value);
        metadata.put(key, b.array());
        return this;
    }

    private static void pad(CountingStream out) throws IOException {
        out.write(new byte[(int) (align(out.count) - out.count)]);
    }

    private static long align(long offset) {
        return (offset + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
    }

    private static byte[] string(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return le(8 + utf8.length).putLong(utf8.length).put(utf8).array();
    }

    private static ByteBuffer le(long size) {
        if (size > Integer.MAX_VALUE) {
            throw new TopiaryException("a GGUF metadata value of " + size + " bytes is too large");
        }
        return ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Counts the bytes written, for the offsets and the check of each tensor's size. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
