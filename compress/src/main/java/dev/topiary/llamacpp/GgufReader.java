package dev.topiary.llamacpp;

import com.sun.jna.Pointer;
import dev.topiary.TopiaryException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A GGUF file read by llama.cpp's own parser ({@code gguf_init_from_file}, metadata and tensor descriptions only):
 * metadata by key, tensor names, ggml types, offsets and raw bytes; and, through {@link #dequantize}, ggml's own
 * dequantizers. Being llama.cpp's reading rather than Topiary's, it is the independent check of Topiary's GGUF export.
 *
 * <p>Not thread-safe; close it to free the native context.
 */
public final class GgufReader implements AutoCloseable {

    /** {@code enum gguf_type} values. */
    public static final int GGUF_TYPE_UINT8 = 0;
    /** {@code GGUF_TYPE_INT8}. */
    public static final int GGUF_TYPE_INT8 = 1;
    /** {@code GGUF_TYPE_UINT16}. */
    public static final int GGUF_TYPE_UINT16 = 2;
    /** {@code GGUF_TYPE_INT16}. */
    public static final int GGUF_TYPE_INT16 = 3;
    /** {@code GGUF_TYPE_UINT32}. */
    public static final int GGUF_TYPE_UINT32 = 4;
    /** {@code GGUF_TYPE_INT32}. */
    public static final int GGUF_TYPE_INT32 = 5;
    /** {@code GGUF_TYPE_FLOAT32}. */
    public static final int GGUF_TYPE_FLOAT32 = 6;
    /** {@code GGUF_TYPE_BOOL}. */
    public static final int GGUF_TYPE_BOOL = 7;
    /** {@code GGUF_TYPE_STRING}. */
    public static final int GGUF_TYPE_STRING = 8;
    /** {@code GGUF_TYPE_ARRAY}. */
    public static final int GGUF_TYPE_ARRAY = 9;
    /** {@code GGUF_TYPE_UINT64}. */
    public static final int GGUF_TYPE_UINT64 = 10;
    /** {@code GGUF_TYPE_INT64}. */
    public static final int GGUF_TYPE_INT64 = 11;
    /** {@code GGUF_TYPE_FLOAT64}. */
    public static final int GGUF_TYPE_FLOAT64 = 12;

    /** {@code enum ggml_type} values this class dequantizes. */
    public static final int GGML_TYPE_F32 = 0;
    /** {@code GGML_TYPE_F16}. */
    public static final int GGML_TYPE_F16 = 1;
    /** {@code GGML_TYPE_Q4_0}: blocks of 32, an fp16 scale and 16 bytes of nibbles. */
    public static final int GGML_TYPE_Q4_0 = 2;
    /** {@code GGML_TYPE_Q4_1}: blocks of 32, fp16 scale and minimum, 16 bytes of nibbles. */
    public static final int GGML_TYPE_Q4_1 = 3;
    /** {@code GGML_TYPE_Q8_0}: blocks of 32, an fp16 scale and 32 int8. */
    public static final int GGML_TYPE_Q8_0 = 8;
    /** {@code GGML_TYPE_Q4_K}: super-blocks of 256 in 144 bytes. */
    public static final int GGML_TYPE_Q4_K = 12;
    /** {@code GGML_TYPE_Q6_K}: super-blocks of 256 in 210 bytes. */
    public static final int GGML_TYPE_Q6_K = 14;

    private final LlamaCppFunctions f;
    private final Path file;
    private Pointer ctx;

    private GgufReader(LlamaCppFunctions f, Path file, Pointer ctx) {
        this.f = f;
        this.file = file;
        this.ctx = ctx;
    }

    /**
     * Parses a GGUF file's header, metadata and tensor descriptions with llama.cpp (no tensor data is read).
     *
     * @param file the GGUF file
     * @return an open reader
     * @throws TopiaryException when the file is missing or llama.cpp rejects it
     */
    public static GgufReader open(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new TopiaryException("GGUF file " + file + " does not exist or is not a regular file");
        }
        LlamaCppFunctions f = LlamaCppLibrary.functions();
        LlamaCppLibrary.takeErrors();
        Pointer ctx = f.gguf_init_from_file(file.toAbsolutePath().toString(), GgufInitParams.metadataOnly());
        if (ctx == null) {
            throw new TopiaryException(LlamaCppLibrary.withLoggedErrors(
                    "llama.cpp cannot read " + file + " as a GGUF file"));
        }
        return new GgufReader(f, file, ctx);
    }

    /** @return the GGUF version in the header */
    public int version() {
        return f.gguf_get_version(ctx());
    }

    /** @return the alignment of the data section (general.alignment, or 32) */
    public long alignment() {
        return f.gguf_get_alignment(ctx());
    }

    /** @return the file offset at which the tensor data section starts */
    public long dataOffset() {
        return f.gguf_get_data_offset(ctx());
    }

    /** @return the metadata keys, in file order */
    public List<String> keys() {
        long n = f.gguf_get_n_kv(ctx());
        List<String> keys = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            keys.add(string(f.gguf_get_key(ctx, i)));
        }
        return keys;
    }

    /**
     * @param key a metadata key
     * @return its {@code gguf_type} (see the {@code GGUF_TYPE_} constants), or empty when absent
     */
    public Optional<Integer> type(String key) {
        long id = f.gguf_find_key(ctx(), key);
        return id < 0 ? Optional.empty() : Optional.of(f.gguf_get_kv_type(ctx, id));
    }

    /**
     * @param key a metadata key of type STRING
     * @return its value
     * @throws TopiaryException when the key is absent or of another type
     */
    public String string(String key) {
        return string(f.gguf_get_val_str(ctx, id(key, GGUF_TYPE_STRING)));
    }

    /**
     * @param key a metadata key of type UINT32
     * @return its value (as an unsigned 32-bit quantity in a long)
     * @throws TopiaryException when the key is absent or of another type
     */
    public long uint32(String key) {
        return Integer.toUnsignedLong(f.gguf_get_val_u32(ctx, id(key, GGUF_TYPE_UINT32)));
    }

    /**
     * @param key a metadata key of type INT32
     * @return its value
     * @throws TopiaryException when the key is absent or of another type
     */
    public int int32(String key) {
        return f.gguf_get_val_i32(ctx, id(key, GGUF_TYPE_INT32));
    }

    /**
     * @param key a metadata key of type UINT64
     * @return its value (the bits of an unsigned 64-bit quantity)
     * @throws TopiaryException when the key is absent or of another type
     */
    public long uint64(String key) {
        return f.gguf_get_val_u64(ctx, id(key, GGUF_TYPE_UINT64));
    }

    /**
     * @param key a metadata key of type FLOAT32
     * @return its value
     * @throws TopiaryException when the key is absent or of another type
     */
    public float float32(String key) {
        return f.gguf_get_val_f32(ctx, id(key, GGUF_TYPE_FLOAT32));
    }

    /**
     * @param key a metadata key of type BOOL
     * @return its value
     * @throws TopiaryException when the key is absent or of another type
     */
    public boolean bool(String key) {
        return f.gguf_get_val_bool(ctx, id(key, GGUF_TYPE_BOOL)) != 0;
    }

    /**
     * @param key a metadata key of type ARRAY
     * @return the {@code gguf_type} of its elements
     * @throws TopiaryException when the key is absent or not an array
     */
    public int arrayType(String key) {
        return f.gguf_get_arr_type(ctx, id(key, GGUF_TYPE_ARRAY));
    }

    /**
     * @param key a metadata key of type ARRAY
     * @return its number of elements
     * @throws TopiaryException when the key is absent or not an array
     */
    public long arrayLength(String key) {
        return f.gguf_get_arr_n(ctx, id(key, GGUF_TYPE_ARRAY));
    }

    /**
     * @param key a metadata key holding an array of strings (a vocabulary, merges)
     * @return the strings
     * @throws TopiaryException when the key is absent or not an array of strings
     */
    public List<String> stringArray(String key) {
        long id = arrayId(key, GGUF_TYPE_STRING);
        long n = f.gguf_get_arr_n(ctx, id);
        List<String> out = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            out.add(string(f.gguf_get_arr_str(ctx, id, i)));
        }
        return out;
    }

    /**
     * @param key a metadata key holding an array of INT32 (token types)
     * @return the values
     * @throws TopiaryException when the key is absent or not an array of INT32
     */
    public int[] int32Array(String key) {
        long id = arrayId(key, GGUF_TYPE_INT32);
        int n = checkedLength(key, f.gguf_get_arr_n(ctx, id));
        return n == 0 ? new int[0] : f.gguf_get_arr_data(ctx, id).getIntArray(0, n);
    }

    /**
     * @param key a metadata key holding an array of FLOAT32 (token scores)
     * @return the values
     * @throws TopiaryException when the key is absent or not an array of FLOAT32
     */
    public float[] float32Array(String key) {
        long id = arrayId(key, GGUF_TYPE_FLOAT32);
        int n = checkedLength(key, f.gguf_get_arr_n(ctx, id));
        return n == 0 ? new float[0] : f.gguf_get_arr_data(ctx, id).getFloatArray(0, n);
    }

    /** @return the tensor names, in file order */
    public List<String> tensorNames() {
        long n = f.gguf_get_n_tensors(ctx());
        List<String> names = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            names.add(string(f.gguf_get_tensor_name(ctx, i)));
        }
        return names;
    }

    /**
     * @param name a tensor name
     * @return its {@code ggml_type} id (see the {@code GGML_TYPE_} constants)
     * @throws TopiaryException when there is no such tensor
     */
    public int tensorType(String name) {
        return f.gguf_get_tensor_type(ctx, tensorId(name));
    }

    /**
     * @param name a tensor name
     * @return its offset from the start of the data section, as llama.cpp read it
     * @throws TopiaryException when there is no such tensor
     */
    public long tensorOffset(String name) {
        return f.gguf_get_tensor_offset(ctx, tensorId(name));
    }

    /**
     * @param name a tensor name
     * @return its size in bytes, as llama.cpp computes it from its type and shape
     * @throws TopiaryException when there is no such tensor
     */
    public long tensorSize(String name) {
        return f.gguf_get_tensor_size(ctx, tensorId(name));
    }

    /**
     * A tensor's raw bytes, read from the file at data offset plus tensor offset.
     *
     * @param name a tensor name
     * @return {@link #tensorSize} bytes
     * @throws TopiaryException when there is no such tensor, it exceeds 2 GiB, or the file is too short
     */
    public byte[] tensorBytes(String name) {
        long id = tensorId(name);
        long size = f.gguf_get_tensor_size(ctx, id);
        long at = f.gguf_get_data_offset(ctx) + f.gguf_get_tensor_offset(ctx, id);
        if (size > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("Tensor " + name + " of " + file + " has " + size
                    + " bytes, more than one Java array holds");
        }
        ByteBuffer buffer = ByteBuffer.allocate((int) size);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, at + buffer.position());
                if (read < 0) {
                    throw new TopiaryException("Tensor " + name + " of " + file + " should span bytes " + at + " to "
                            + (at + size) + " but the file ends at " + channel.size());
                }
            }
        } catch (IOException e) {
            throw new TopiaryException("Cannot read tensor " + name + " from " + file + ": " + e.getMessage(), e);
        }
        return buffer.array();
    }

    /**
     * Dequantizes tensor data with ggml's own routines ({@code dequantize_row_q4_0}, {@code _q4_1}, {@code _q8_0},
     * {@code _q4_K}, {@code _q6_K}, {@code ggml_fp16_to_fp32_row}; F32 is read directly as little-endian floats).
     *
     * @param ggmlType a {@code GGML_TYPE_} constant
     * @param data the raw blocks
     * @param elements the number of values, a multiple of the type's block size
     * @return the values
     * @throws TopiaryException on another type, an element count that is not whole blocks, or too little data
     */
    public static float[] dequantize(int ggmlType, byte[] data, long elements) {
        int block;
        int blockBytes;
        switch (ggmlType) {
            case GGML_TYPE_F32 -> { block = 1; blockBytes = 4; }
            case GGML_TYPE_F16 -> { block = 1; blockBytes = 2; }
            case GGML_TYPE_Q4_0 -> { block = 32; blockBytes = 18; }
            case GGML_TYPE_Q4_1 -> { block = 32; blockBytes = 20; }
            case GGML_TYPE_Q8_0 -> { block = 32; blockBytes = 34; }
            case GGML_TYPE_Q4_K -> { block = 256; blockBytes = 144; }
            case GGML_TYPE_Q6_K -> { block = 256; blockBytes = 210; }
            default -> throw new TopiaryException("Cannot dequantize ggml type " + ggmlType
                    + "; supported: 0 F32, 1 F16, 2 Q4_0, 3 Q4_1, 8 Q8_0, 12 Q4_K, 14 Q6_K");
        }
        if (elements < 0 || elements % block != 0) {
            throw new TopiaryException("Cannot dequantize " + elements + " elements of ggml type " + ggmlType
                    + ": the count must be a multiple of its block size " + block);
        }
        if (elements > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("Cannot dequantize " + elements + " elements into one Java array");
        }
        long needed = elements / block * blockBytes;
        if (data.length < needed) {
            throw new TopiaryException("Cannot dequantize " + elements + " elements of ggml type " + ggmlType
                    + " from " + data.length + " bytes: they need " + needed);
        }
        float[] out = new float[(int) elements];
        if (elements == 0) {
            return out;
        }
        if (ggmlType == GGML_TYPE_F32) {
            ByteBuffer.wrap(data).order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }
        LlamaCppFunctions f = LlamaCppLibrary.functions();
        switch (ggmlType) {
            case GGML_TYPE_F16 -> f.ggml_fp16_to_fp32_row(data, out, elements);
            case GGML_TYPE_Q4_0 -> f.dequantize_row_q4_0(data, out, elements);
            case GGML_TYPE_Q4_1 -> f.dequantize_row_q4_1(data, out, elements);
            case GGML_TYPE_Q8_0 -> f.dequantize_row_q8_0(data, out, elements);
            case GGML_TYPE_Q4_K -> f.dequantize_row_q4_K(data, out, elements);
            case GGML_TYPE_Q6_K -> f.dequantize_row_q6_K(data, out, elements);
            default -> throw new IllegalStateException("unreachable: type " + ggmlType);
        }
        return out;
    }

    /** Frees llama.cpp's parse of the file; later calls fail. */
    @Override
    public void close() {
        if (ctx != null) {
            f.gguf_free(ctx);
            ctx = null;
        }
    }

    private Pointer ctx() {
        if (ctx == null) {
            throw new IllegalStateException("GgufReader of " + file + " is closed");
        }
        return ctx;
    }

    /** The key's id, checked to exist and to have the type (ggml aborts the process on a wrong type). */
    private long id(String key, int expectedType) {
        long id = f.gguf_find_key(ctx(), key);
        if (id < 0) {
            throw new TopiaryException("GGUF file " + file + " has no metadata key " + key);
        }
        int type = f.gguf_get_kv_type(ctx, id);
        if (type != expectedType) {
            throw new TopiaryException("Metadata key " + key + " of " + file + " has gguf type " + type
                    + ", not the expected " + expectedType);
        }
        return id;
    }

    private long arrayId(String key, int elementType) {
        long id = id(key, GGUF_TYPE_ARRAY);
        int type = f.gguf_get_arr_type(ctx, id);
        if (type != elementType) {
            throw new TopiaryException("Metadata key " + key + " of " + file + " is an array of gguf type " + type
                    + ", not the expected " + elementType);
        }
        return id;
    }

    private long tensorId(String name) {
        long id = f.gguf_find_tensor(ctx(), name);
        if (id < 0) {
            throw new TopiaryException("GGUF file " + file + " has no tensor " + name);
        }
        return id;
    }

    private int checkedLength(String key, long n) {
        if (n > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("Array " + key + " of " + file + " has " + n + " elements, too many to read");
        }
        return (int) n;
    }

    private static String string(Pointer p) {
        return p == null ? null : p.getString(0, "UTF-8");
    }
}
