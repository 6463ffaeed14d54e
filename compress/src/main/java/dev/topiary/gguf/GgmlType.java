package dev.topiary.gguf;

import dev.topiary.TopiaryException;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The ggml tensor element types Topiary writes into and reads from GGUF files: their ggml type ids, block geometry and
 * llama.cpp names, and the row encoder and decoder of each.
 *
 * <p>A row of a tensor is stored as consecutive blocks; each block packs {@link #blockSize()} elements into
 * {@link #bytesPerBlock()} little-endian bytes, so a row's length must be a whole number of blocks.
 */
public enum GgmlType {
    F32(0, 1, 4, "f32", new F32Codec(), 0),
    F16(1, 1, 2, "f16", new F16Codec(), 1),
    Q4_0(2, 32, 18, "q4_0", new Q4_0Codec(), 2),
    Q4_1(3, 32, 20, "q4_1", new Q4_1Codec(), 3),
    Q8_0(8, 32, 34, "q8_0", new Q8_0Codec(), 7),
    Q4_K(12, 256, 144, "q4_k", new Q4KCodec(), 14),
    Q6_K(14, 256, 210, "q6_k", new Q6KCodec(), 18);

    private final int id;
    private final int blockSize;
    private final int bytesPerBlock;
    private final String ggmlName;
    private final BlockCodec codec;
    private final int fileType;

    GgmlType(int id, int blockSize, int bytesPerBlock, String ggmlName, BlockCodec codec, int fileType) {
        this.id = id;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.ggmlName = ggmlName;
        this.codec = codec;
        this.fileType = fileType;
    }

    /** The type's number in ggml's {@code ggml_type} enum, as a GGUF tensor entry records it. */
    public int id() {
        return id;
    }

    /** How many elements one block holds: 1 for the float types, 32 or 256 for the quantized ones. */
    public int blockSize() {
        return blockSize;
    }

    /** How many bytes one block occupies. */
    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** The lower-case name llama.cpp spells the type with, e.g. {@code "q4_k"}. */
    public String ggmlName() {
        return ggmlName;
    }

    /**
     * llama.cpp's {@code llama_ftype} of a file whose matrices are mostly of this type (general.file_type): 0 all
     * f32, 1 f16, 2 q4_0, 3 q4_1, 7 q8_0, 14 q4_k (small), 18 q6_k.
     */
    public int fileType() {
        return fileType;
    }

    /** The type's block encoder and decoder. */
    BlockCodec codec() {
        return codec;
    }

    /** Whether the type stores codes and scales rather than floats. */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Whether rows of {@code elements} divide into this type's blocks. */
    public boolean fits(long elements) {
        return elements % blockSize == 0;
    }

    /**
     * The type a matrix is stored in when its rows do not divide into this type's 256-element super-blocks, as
     * llama.cpp's quantizer falls back: q4_k to q4_1 (32-element blocks with a minimum, the nearest to q4_k's),
     * q6_k to q8_0; the other types fall back to f16.
     */
    public GgmlType fallback() {
        return switch (this) {
            case Q4_K -> Q4_1;
            case Q6_K -> Q8_0;
            default -> F16;
        };
    }

    /** Storage bits per element, block overhead (scales, mins) included: e.g. 4.5 for q4_0, 6.5625 for q6_k. */
    public double bitsPerWeight() {
        return bytesPerBlock * 8.0 / blockSize;
    }

    /**
     * The type named {@code name}, ignoring case ({@code "Q8_0"} and {@code "q8_0"} both work).
     *
     * @throws TopiaryException when no type has that name; the message lists the valid names
     */
    public static GgmlType parse(String name) {
        for (GgmlType type : values()) {
            if (type.ggmlName.equalsIgnoreCase(name == null ? "" : name.trim())) {
                return type;
            }
        }
        throw new TopiaryException("unknown ggml type '" + name + "'; expected one of " + validNames());
    }

    /**
     * The type whose ggml id is {@code id}.
     *
     * @throws TopiaryException when the id is not one of the types listed here
     */
    public static GgmlType fromId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        String ids = Arrays.stream(values()).map(t -> t.id + " (" + t.ggmlName + ")").collect(Collectors.joining(", "));
        throw new TopiaryException("unsupported ggml type id " + id + "; expected one of " + ids);
    }

    /**
     * The bytes a row of {@code elements} elements occupies.
     *
     * @throws TopiaryException when {@code elements} is negative or not a multiple of {@link #blockSize()}
     */
    public long rowBytes(long elements) {
        if (elements < 0 || elements % blockSize != 0) {
            throw new TopiaryException(ggmlName + " row of " + elements + " elements: the length must be a"
                    + " non-negative multiple of the block size " + blockSize);
        }
        return elements / blockSize * bytesPerBlock;
    }

    /**
     * Encodes {@code row} into this type's packed blocks. Quantized types round as described on each format (the
     * 32-element formats exactly as llama.cpp's reference quantizers do).
     *
     * @throws TopiaryException when the row's length is not a multiple of {@link #blockSize()}, or when a quantized
     *     type is given a NaN or infinite element
     */
    public byte[] encode(float[] row) {
        byte[] packed = new byte[Math.toIntExact(rowBytes(row.length))];
        if (blockSize > 1) {
            requireFinite(row);
        }
        for (int block = 0; block < row.length / blockSize; block++) {
            codec.encodeBlock(row, block * blockSize, packed, block * bytesPerBlock);
        }
        return packed;
    }

    /**
     * Decodes the {@code elements} elements stored in {@code data} from byte {@code offset} on, computing each value
     * with the same float operations, in the same order, as llama.cpp's {@code dequantize_row_*}.
     *
     * @throws TopiaryException when {@code elements} is not a multiple of {@link #blockSize()}, or when
     *     {@code data} holds fewer than {@link #rowBytes(long)} bytes from {@code offset}
     */
    public float[] decode(byte[] data, int offset, int elements) {
        long bytes = rowBytes(elements);
        if (offset < 0 || offset > data.length || data.length - offset < bytes) {
            throw new TopiaryException(ggmlName + " row of " + elements + " elements needs " + bytes
                    + " bytes from offset " + offset + ", but the data holds " + data.length + " bytes");
        }
        float[] row = new float[elements];
        for (int block = 0; block < elements / blockSize; block++) {
            codec.decodeBlock(data, offset + block * bytesPerBlock, row, block * blockSize);
        }
        return row;
    }

    private void requireFinite(float[] row) {
        for (int i = 0; i < row.length; i++) {
            if (!Float.isFinite(row[i])) {
                throw new TopiaryException("cannot encode element " + i + " of a " + ggmlName + " row: it is "
                        + row[i] + ", and quantized blocks hold finite values only");
            }
        }
    }

    private static String validNames() {
        return Arrays.stream(values()).map(t -> t.ggmlName).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return ggmlName;
    }
}
