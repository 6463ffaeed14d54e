package dev.topiary.quant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.Precision;
import dev.topiary.TopiaryException;
import dev.topiary.gguf.GgmlCodes;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.KQuantGrid;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.LlamaConfig;
import java.math.BigInteger;
import java.util.Optional;

/**
 * How weights of a linear layer {@code [out, in]} are quantized: the number format and which weights share a
 * scale.
 *
 * <p>Each scheme is a record so that its parameters (the INT4 group size) travel with it:
 * {@link Int8PerChannel}, {@link Int4Grouped} and {@link Fp8E4M3PerTensor}, and those whose grids are GGUF's own
 * block types, so that a model quantized with them exports its codes and scales exactly
 * ({@link #ggmlType()}): {@link Q8Block32} (q8_0), {@link Q4Block32Symmetric} (q4_0),
 * {@link Q4Block32Asymmetric} (q4_1) and {@link KQuantSuperBlock} (q4_k, q6_k). Each knows its packed layout: the
 * codes of a weight {@code [rows, columns]} are stored row-major, {@link #codesPerByte()} to a byte, as
 * {@link #codeType()}; its scales (and zero points, where it has them) have {@link #scaleShape}; weight {@code i}
 * at {@code (row, column)} uses scale {@link #scaleIndex}.
 */
public sealed interface QuantScheme permits QuantScheme.Int8PerChannel, QuantScheme.Int4Grouped,
        QuantScheme.Fp8E4M3PerTensor, QuantScheme.Q8Block32, QuantScheme.Q4Block32Symmetric,
        QuantScheme.Q4Block32Asymmetric, QuantScheme.KQuantSuperBlock {

    /** Group size of {@link #INT4}, as GPTQ and AWQ checkpoints commonly use. */
    int DEFAULT_GROUP_SIZE = 128;

    /** INT8, symmetric, one scale per output channel (row). */
    QuantScheme INT8 = new Int8PerChannel();

    /** INT4, asymmetric, one scale and zero point per 128 consecutive input weights of a row. */
    QuantScheme INT4 = new Int4Grouped(DEFAULT_GROUP_SIZE);

    /** FP8 E4M3 (the "fn" variant: no infinities, max 448), one scale per tensor. */
    QuantScheme FP8_E4M3 = new Fp8E4M3PerTensor();

    /** INT4 group-wise with another group size. */
    static QuantScheme int4(int groupSize) {
        return new Int4Grouped(groupSize);
    }

    /**
     * GGUF's q8_0 grid: symmetric INT8, one fp16 scale per 32 consecutive input weights of a row; exports exactly as
     * {@link GgmlType#Q8_0}.
     */
    static QuantScheme q8_0() {
        return new Q8Block32();
    }

    /**
     * GGUF's q4_0 grid: 4-bit codes, value = d * (code - 8), one fp16 d per 32 consecutive input weights of a row;
     * exports exactly as {@link GgmlType#Q4_0}.
     */
    static QuantScheme q4_0() {
        return new Q4Block32Symmetric();
    }

    /**
     * GGUF's q4_1 grid: 4-bit codes, value = d * code + m, one fp16 d and fp16 m per 32 consecutive input weights of
     * a row; exports exactly as {@link GgmlType#Q4_1}.
     */
    static QuantScheme q4_1() {
        return new Q4Block32Asymmetric();
    }

    /**
     * GGUF's q4_K grid: super-blocks of 256 consecutive input weights of a row, each in 8 sub-blocks of 32 with a
     * 6-bit scale and a 6-bit min under the super-block's fp16 d and dmin; 4-bit codes. Exports exactly as
     * {@link GgmlType#Q4_K}; every linear layer's input size must be a multiple of 256.
     */
    static QuantScheme q4_k() {
        return new KQuantSuperBlock(KQuantGrid.Q4_K);
    }

    /**
     * GGUF's q6_K grid: super-blocks of 256 consecutive input weights of a row, each in 16 sub-blocks of 16 with an
     * 8-bit scale under the super-block's fp16 d; 6-bit codes. Exports exactly as {@link GgmlType#Q6_K}; every
     * linear layer's input size must be a multiple of 256.
     */
    static QuantScheme q6_k() {
        return new KQuantSuperBlock(KQuantGrid.Q6_K);
    }

    /**
     * The name in {@code quantization_config}: {@code int8}, {@code int4}, {@code fp8_e4m3}, {@code q8_0},
     * {@code q4_0}, {@code q4_1}, {@code q4_k} or {@code q6_k}.
     */
    String id();

    /** The number format family: INT8, INT6 or INT4 for the integer schemes of that many bits, FP8. */
    Precision precision();

    /** Bits per stored weight. */
    int bits();

    /** Input weights of a row that share one scale, or 0 when a scale spans a whole row (INT8) or tensor (FP8). */
    int groupSize();

    /** Codes packed into one byte: 2 for INT4 (low nibble first, see {@link Nibbles}), else 1. */
    int codesPerByte();

    /** How the packed codes are stored in safetensors: I8 for INT8, U8 for INT4 and FP8. */
    TensorDType codeType();

    /** Whether the scheme stores a zero point (one byte, laid out as the scales) beside each scale. */
    boolean hasZeroPoints();

    /** The shape of the scales of a weight {@code [rows, columns]}. */
    long[] scaleShape(int rows, int columns);

    /** The index into the scales of the weight at {@code (row, column)} of a weight with {@code columns} inputs. */
    int scaleIndex(int row, int column, int columns);

    /**
     * Fits the scales (and zero points) of a row-major weight {@code w [rows, columns]} for round to nearest,
     * writing them into {@code scales} and {@code zeros}, laid out as {@link #scaleShape} says. By default each
     * group of {@link #groupSize()} input weights is fitted with {@link #fitGroup}; the row and tensor schemes fit
     * their one row or tensor instead.
     */
    default void fitScales(float[] w, int rows, int columns, float[] scales, byte[] zeros) {
        int group = groupSize();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < columns; c += group) {
                fitGroup(w, r * columns + c, group, scales, zeros, scaleIndex(r, c, columns));
            }
        }
    }

    /**
     * Fits the parameters of the scale at index {@code s} (its scale, and zero point or min where the scheme has
     * one) to the {@code count} values {@code values[from, from + count)} that share it. GPTQ calls this when it
     * reaches a group, with the values as the errors of earlier columns left them.
     */
    void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s);

    /**
     * Input weights of a group between GPTQ's fits of its scale parameters ({@link #refitGroup}): the group size, or a
     * k-quant's sub-block.
     */
    default int refitInterval() {
        return groupSize();
    }

    /**
     * GPTQ's fit as it reaches weight {@code offset} of a group (a multiple of {@link #refitInterval()}), with
     * {@code values[from, ...)} the group's weights from there as earlier columns' errors left them. By default the
     * whole group is fitted at its start ({@link #fitGroup}); the k-quants fit the super-block at its start and each
     * later sub-block's own fields again when GPTQ reaches it.
     */
    default void refitGroup(float[] values, int from, int offset, float[] scales, byte[] zeros, int s) {
        if (offset == 0) {
            fitGroup(values, from, groupSize(), scales, zeros, s);
        }
    }

    /**
     * Writes the code of {@code w} at flat index {@code i} of zero-initialised packed {@code data}, with the scale
     * (and zero point) at index {@code s} ({@link #scaleIndex}).
     *
     * @return the value the code stands for
     */
    float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s);

    /** The value the code at flat index {@code i} of packed {@code data} stands for, with scale index {@code s}. */
    float value(byte[] data, int i, float[] scales, byte[] zeros, int s);

    /**
     * Adds the fields that tell a reader of a checkpoint's {@code quantization_config} how to unpack this scheme:
     * {@code group_size}, {@code sym} or {@code fmt}, and {@code packing}.
     */
    void describe(ObjectNode config);

    /** The GGUF block type that holds this scheme's codes and scales exactly, if there is one. */
    default Optional<GgmlType> ggmlType() {
        return Optional.empty();
    }

    /**
     * The packed codes and scales of a weight {@code [rows, columns]} as blocks of {@link #ggmlType()}, row-major,
     * written without quantizing again: GGUF's dequantizer gives exactly {@link #value} for every weight.
     *
     * @throws TopiaryException when no GGUF type holds this scheme exactly
     */
    default byte[] ggmlBlocks(byte[] data, float[] scales, int rows, int columns) {
        throw new TopiaryException("no GGUF block type holds " + this + " exactly; export f32, which holds the"
                + " dequantized weights exactly");
    }

    /**
     * Checks that this scheme's groups divide every linear layer's input size of a model {@code c}.
     *
     * @throws TopiaryException naming the sizes and a scheme that fits, when one does not divide: a k-quant's
     *     32-element neighbour (the type GGUF export falls back to) where its blocks fit, else INT4 in groups of
     *     the sizes' common divisor
     */
    default void checkFits(LlamaConfig c) {
        int group = groupSize();
        if (group == 0) {
            return;
        }
        int divisor = inputSizesDivisor(c);
        if (divisor % group != 0) {
            String suggestion = ggmlType().filter(t -> t.blockSize() > Codes.BLOCK && divisor % Codes.BLOCK == 0)
                    .map(t -> "QuantScheme." + t.fallback().ggmlName() + "()")
                    .orElse("QuantScheme.int4(" + divisor + ")");
            throw new TopiaryException(this + ": groups of " + group + " must divide every linear layer's"
                    + " input size; this model has hidden " + c.hiddenSize() + ", attention "
                    + c.numAttentionHeads() * c.headDim() + " and ffn " + c.intermediateSize() + ": choose a scheme"
                    + " whose groups divide all three, e.g. " + suggestion);
        }
    }

    /** The greatest common divisor of a model's linear input sizes: hidden, attention (heads x head_dim) and FFN. */
    private static int inputSizesDivisor(LlamaConfig c) {
        int divisor = 0;
        for (int in : new int[] {c.hiddenSize(), c.numAttentionHeads() * c.headDim(), c.intermediateSize()}) {
            divisor = BigInteger.valueOf(divisor).gcd(BigInteger.valueOf(in)).intValue();
        }
        return divisor;
    }

    /**
     * This scheme for a model {@code c}: {@link #INT4}, whose default groups of {@value #DEFAULT_GROUP_SIZE} do not
     * divide every linear layer's input size of a width-pruned model (hidden 160, say), becomes INT4 in the largest
     * power-of-two group that does (32 there), so that {@code quantize(INT4)} works on any model whose sizes are
     * even; every other scheme, and INT4 where its groups fit or no even group does, stays as it is.
     */
    default QuantScheme fittedTo(LlamaConfig c) {
        if (!equals(INT4)) {
            return this;
        }
        int divisor = inputSizesDivisor(c);
        if (divisor % DEFAULT_GROUP_SIZE == 0) {
            return this;
        }
        int group = Integer.lowestOneBit(divisor);
        return group >= 2 ? int4(group) : this;
    }

    /** Packed bytes of a weight {@code [rows, columns]}. */
    default int dataBytes(int rows, int columns) {
        return (int) ((long) rows * columns / codesPerByte());
    }

    /** Scales of a weight {@code [rows, columns]}. */
    default int scaleCount(int rows, int columns) {
        long count = 1;
        for (long d : scaleShape(rows, columns)) {
            count *= d;
        }
        return (int) count;
    }

    /** Zero points of a weight {@code [rows, columns]}: as many as scales, or none. */
    default int zeroCount(int rows, int columns) {
        return hasZeroPoints() ? scaleCount(rows, columns) : 0;
    }

    /**
     * The scheme a {@code quantization_config} names.
     *
     * @param groupSize used by {@code int4} only
     * @throws TopiaryException when the name is not one of the eight
     */
    static QuantScheme of(String id, int groupSize) {
        return switch (id) {
            case "int8" -> INT8;
            case "int4" -> new Int4Grouped(groupSize);
            case "fp8_e4m3" -> FP8_E4M3;
            case "q8_0" -> q8_0();
            case "q4_0" -> q4_0();
            case "q4_1" -> q4_1();
            case "q4_k" -> q4_k();
            case "q6_k" -> q6_k();
            default -> throw new TopiaryException("unknown quantization scheme '" + id
                    + "'; expected int8, int4, fp8_e4m3, q8_0, q4_0, q4_1, q4_k or q6_k");
        };
    }

    /** Symmetric INT8 per output channel: scale = max|w_row| / 127, codes in [-127, 127]. */
    record Int8PerChannel() implements QuantScheme {
        @Override
        public String id() {
            return "int8";
        }

        @Override
        public Precision precision() {
            return Precision.INT8;
        }

        @Override
        public int bits() {
            return 8;
        }

        @Override
        public int groupSize() {
            return 0;
        }

        @Override
        public int codesPerByte() {
            return 1;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.I8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return row;
        }

        @Override
        public void fitScales(float[] w, int rows, int columns, float[] scales, byte[] zeros) {
            for (int r = 0; r < rows; r++) {
                fitGroup(w, r * columns, columns, scales, zeros, r);
            }
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            scales[s] = Codes.int8Scale(QuantizedTensor.maxAbs(values, from, count));
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            byte code = Codes.int8Code(w, scales[s]);
            data[i] = code;
            return Codes.int8Value(code, scales[s]);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.int8Value(data[i], scales[s]);
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", -1);
            config.put("sym", true);
            config.put("packing", "one signed byte per weight; value = code * scale[row]");
        }

        @Override
        public String toString() {
            return "INT8 per-channel";
        }
    }

    /**
     * Asymmetric INT4 per group of {@code groupSize} consecutive input weights of a row: scale = (max - min) / 15,
     * zero point = round(-min / scale), codes in [0, 15].
     */
    record Int4Grouped(int groupSize) implements QuantScheme {
        /** @throws TopiaryException when the group size is not positive and even (two codes fill a byte) */
        public Int4Grouped {
            if (groupSize <= 0 || groupSize % 2 != 0) {
                throw new TopiaryException("INT4 group size must be a positive even number, got " + groupSize);
            }
        }

        @Override
        public String id() {
            return "int4";
        }

        @Override
        public Precision precision() {
            return Precision.INT4;
        }

        @Override
        public int bits() {
            return 4;
        }

        @Override
        public int codesPerByte() {
            return 2;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.U8;
        }

        @Override
        public boolean hasZeroPoints() {
            return true;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows, columns / groupSize};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return row * (columns / groupSize) + column / groupSize;
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            float min = Codes.min(values, from, count);
            float scale = Codes.int4Scale(min, Codes.max(values, from, count));
            scales[s] = scale;
            zeros[s] = (byte) Codes.int4Zero(min, scale);
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            int code = Codes.int4Code(w, scales[s], zeros[s]);
            QuantizedTensor.putNibble(data, i, code);
            return Codes.int4Value(code, scales[s], zeros[s]);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.int4Value(Nibbles.get(data, i), scales[s], zeros[s]);
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", groupSize);
            config.put("sym", false);
            config.put("packing", "two 4-bit codes per byte, low nibble first; value = (code - zero) * scale");
        }

        @Override
        public String toString() {
            return "INT4 group-wise (group " + groupSize + ")";
        }
    }

    /** FP8 E4M3 with one scale per tensor: scale = max|w| / 448. */
    record Fp8E4M3PerTensor() implements QuantScheme {
        @Override
        public String id() {
            return "fp8_e4m3";
        }

        @Override
        public Precision precision() {
            return Precision.FP8;
        }

        @Override
        public int bits() {
            return 8;
        }

        @Override
        public int groupSize() {
            return 0;
        }

        @Override
        public int codesPerByte() {
            return 1;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.U8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {1};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return 0;
        }

        @Override
        public void fitScales(float[] w, int rows, int columns, float[] scales, byte[] zeros) {
            fitGroup(w, 0, w.length, scales, zeros, 0);
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            scales[0] = Codes.fp8Scale(QuantizedTensor.maxAbs(values, from, count));
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            byte code = Codes.fp8Code(w, scales[s]);
            data[i] = code;
            return Codes.fp8Value(code, scales[s]);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.fp8Value(data[i], scales[s]);
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("fmt", "e4m3fn");
            config.put("packing", "one E4M3 byte per weight; value = decode(code) * scale");
        }

        @Override
        public String toString() {
            return "FP8 E4M3 per-tensor";
        }
    }

    /**
     * GGUF's q8_0: symmetric INT8 per block of 32 consecutive input weights of a row, scale
     * d = max|w| / 127 rounded to fp16 before the codes are computed, codes in [-127, 127], value = d * code.
     */
    record Q8Block32() implements QuantScheme {
        @Override
        public String id() {
            return "q8_0";
        }

        @Override
        public Precision precision() {
            return Precision.INT8;
        }

        @Override
        public int bits() {
            return 8;
        }

        @Override
        public int groupSize() {
            return Codes.BLOCK;
        }

        @Override
        public int codesPerByte() {
            return 1;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.I8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows, columns / Codes.BLOCK};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return row * (columns / Codes.BLOCK) + column / Codes.BLOCK;
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            scales[s] = Codes.f16Scale(Codes.int8Scale(QuantizedTensor.maxAbs(values, from, count)));
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            byte code = Codes.int8Code(w, scales[s]);
            data[i] = code;
            return Codes.int8Value(code, scales[s]);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.int8Value(data[i], scales[s]);
        }

        @Override
        public Optional<GgmlType> ggmlType() {
            return Optional.of(GgmlType.Q8_0);
        }

        @Override
        public byte[] ggmlBlocks(byte[] data, float[] scales, int rows, int columns) {
            return GgmlCodes.packQ8_0(data, Codes.f16Bits(scales, 0, 1));
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", Codes.BLOCK);
            config.put("sym", true);
            config.put("packing", "one signed byte per weight; value = code * scale[row][column / 32], scales"
                    + " exactly fp16 (GGUF q8_0)");
        }

        @Override
        public String toString() {
            return "q8_0 (INT8, fp16 scale per 32)";
        }
    }

    /**
     * GGUF's q4_0: codes in [0, 15] per block of 32 consecutive input weights of a row, value =
     * d * (code - 8), with d = w_max / -8 for the block's weight of largest magnitude w_max (as ggml, so that weight
     * is exact), rounded to fp16 before the codes are computed.
     */
    record Q4Block32Symmetric() implements QuantScheme {
        @Override
        public String id() {
            return "q4_0";
        }

        @Override
        public Precision precision() {
            return Precision.INT4;
        }

        @Override
        public int bits() {
            return 4;
        }

        @Override
        public int groupSize() {
            return Codes.BLOCK;
        }

        @Override
        public int codesPerByte() {
            return 2;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.U8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows, columns / Codes.BLOCK};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return row * (columns / Codes.BLOCK) + column / Codes.BLOCK;
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            scales[s] = Codes.f16Scale(Codes.q4_0Scale(values, from, count));
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            int code = Codes.int4Code(w, scales[s], Codes.Q4_0_OFFSET);
            QuantizedTensor.putNibble(data, i, code);
            return Codes.int4Value(code, scales[s], Codes.Q4_0_OFFSET);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.int4Value(Nibbles.get(data, i), scales[s], Codes.Q4_0_OFFSET);
        }

        @Override
        public Optional<GgmlType> ggmlType() {
            return Optional.of(GgmlType.Q4_0);
        }

        @Override
        public byte[] ggmlBlocks(byte[] data, float[] scales, int rows, int columns) {
            return GgmlCodes.packQ4_0(Nibbles.unpackToBytes(data), Codes.f16Bits(scales, 0, 1));
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", Codes.BLOCK);
            config.put("sym", true);
            config.put("packing", "two 4-bit codes per byte, low nibble first; value = (code - 8) *"
                    + " scale[row][column / 32], scales exactly fp16 (GGUF q4_0)");
        }

        @Override
        public String toString() {
            return "q4_0 (INT4, fp16 scale per 32)";
        }
    }

    /**
     * GGUF's q4_1: codes in [0, 15] per block of 32 consecutive input weights of a row, value =
     * d * code + m, with m = the block's minimum and d = (max - m) / 15, each rounded to fp16 before the codes are
     * computed. The scales hold d and m side by side: shape {@code [rows, columns / 32, 2]}, {@link #scaleIndex}
     * pointing at d.
     */
    record Q4Block32Asymmetric() implements QuantScheme {
        @Override
        public String id() {
            return "q4_1";
        }

        @Override
        public Precision precision() {
            return Precision.INT4;
        }

        @Override
        public int bits() {
            return 4;
        }

        @Override
        public int groupSize() {
            return Codes.BLOCK;
        }

        @Override
        public int codesPerByte() {
            return 2;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.U8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows, columns / Codes.BLOCK, 2};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return 2 * (row * (columns / Codes.BLOCK) + column / Codes.BLOCK);
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            float min = Codes.f16(Codes.min(values, from, count));
            scales[s] = Codes.f16Scale(Codes.q4_1Scale(min, Codes.max(values, from, count)));
            scales[s + 1] = min;
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            int code = Codes.q4_1Code(w, scales[s], scales[s + 1]);
            QuantizedTensor.putNibble(data, i, code);
            return Codes.q4_1Value(code, scales[s], scales[s + 1]);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            return Codes.q4_1Value(Nibbles.get(data, i), scales[s], scales[s + 1]);
        }

        @Override
        public Optional<GgmlType> ggmlType() {
            return Optional.of(GgmlType.Q4_1);
        }

        @Override
        public byte[] ggmlBlocks(byte[] data, float[] scales, int rows, int columns) {
            return GgmlCodes.packQ4_1(Nibbles.unpackToBytes(data), Codes.f16Bits(scales, 0, 2),
                    Codes.f16Bits(scales, 1, 2));
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", Codes.BLOCK);
            config.put("sym", false);
            config.put("packing", "two 4-bit codes per byte, low nibble first; scales [row][column / 32] hold"
                    + " (d, m), exactly fp16; value = code * d + m (GGUF q4_1)");
        }

        @Override
        public String toString() {
            return "q4_1 (INT4, fp16 scale and min per 32)";
        }
    }

    /**
     * GGUF's k-quant grids ({@link KQuantGrid}): super-blocks of 256 consecutive input weights of a row, each
     * super-block's fields fitted at once by the grid for round-to-nearest; GPTQ fits them when it reaches the
     * super-block and each sub-block's own scale (and min) again when it reaches the sub-block, from the weights as
     * earlier columns' errors left them. The scales hold the fields
     * side by side, shape {@code [rows, columns / 256, fields]}, {@link #scaleIndex} pointing at the first; the codes
     * are nibbles (q4_k) or one byte each (q6_k). Weight {@code i}'s place in its super-block is {@code i % 256},
     * as every row is a whole number of super-blocks.
     */
    record KQuantSuperBlock(KQuantGrid grid) implements QuantScheme {
        @Override
        public String id() {
            return grid.toString();
        }

        @Override
        public Precision precision() {
            return grid.bits() == 4 ? Precision.INT4 : Precision.INT6;
        }

        @Override
        public int bits() {
            return grid.bits();
        }

        @Override
        public int groupSize() {
            return KQuantGrid.SUPER_BLOCK;
        }

        @Override
        public int codesPerByte() {
            return grid.bits() == 4 ? 2 : 1;
        }

        @Override
        public TensorDType codeType() {
            return TensorDType.U8;
        }

        @Override
        public boolean hasZeroPoints() {
            return false;
        }

        @Override
        public long[] scaleShape(int rows, int columns) {
            return new long[] {rows, columns / KQuantGrid.SUPER_BLOCK, grid.fields()};
        }

        @Override
        public int scaleIndex(int row, int column, int columns) {
            return grid.fields() * (row * (columns / KQuantGrid.SUPER_BLOCK) + column / KQuantGrid.SUPER_BLOCK);
        }

        @Override
        public void fitGroup(float[] values, int from, int count, float[] scales, byte[] zeros, int s) {
            grid.fit(values, from, scales, s);
        }

        @Override
        public int refitInterval() {
            return grid.subBlock();
        }

        @Override
        public void refitGroup(float[] values, int from, int offset, float[] scales, byte[] zeros, int s) {
            if (offset == 0) {
                grid.fit(values, from, scales, s);
            } else {
                grid.fitSubBlock(values, from, scales, s, offset / grid.subBlock());
            }
        }

        @Override
        public float store(float w, byte[] data, int i, float[] scales, byte[] zeros, int s) {
            int element = i % KQuantGrid.SUPER_BLOCK;
            int code = grid.code(w, scales, s, element);
            if (codesPerByte() == 2) {
                QuantizedTensor.putNibble(data, i, code);
            } else {
                data[i] = (byte) code;
            }
            return grid.value(code, scales, s, element);
        }

        @Override
        public float value(byte[] data, int i, float[] scales, byte[] zeros, int s) {
            int code = codesPerByte() == 2 ? Nibbles.get(data, i) : data[i] & 0xff;
            return grid.value(code, scales, s, i % KQuantGrid.SUPER_BLOCK);
        }

        @Override
        public Optional<GgmlType> ggmlType() {
            return Optional.of(grid.type());
        }

        @Override
        public byte[] ggmlBlocks(byte[] data, float[] scales, int rows, int columns) {
            return grid.pack(codesPerByte() == 2 ? Nibbles.unpackToBytes(data) : data, scales);
        }

        @Override
        public void describe(ObjectNode config) {
            config.put("group_size", KQuantGrid.SUPER_BLOCK);
            config.put("sym", grid == KQuantGrid.Q6_K);
            config.put("packing", grid == KQuantGrid.Q4_K
                    ? "two 4-bit codes per byte, low nibble first; scales [row][column / 256] hold 18 fields"
                            + " (d, dmin, sc[8], m[8]); value = d * sc[j] * code - dmin * m[j] for sub-block"
                            + " j = column % 256 / 32 (GGUF q4_K)"
                    : "one 6-bit code per byte; scales [row][column / 256] hold 17 fields (d, scale[16]);"
                            + " value = d * scale[j] * (code - 32) for sub-block j = column % 256 / 16 (GGUF q6_K)");
        }

        @Override
        public String toString() {
            return grid + " (INT" + grid.bits() + ", super-blocks of 256)";
        }
    }
}
