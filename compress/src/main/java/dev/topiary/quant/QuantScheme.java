package dev.topiary.quant;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.io.TensorDType;
import dev.topiary.llama.LlamaConfig;
import java.math.BigInteger;

/**
 * How weights of a linear layer {@code [out, in]} are quantized: the number format and which weights share a
 * scale.
 *
 * <p>Three schemes, each a record so that its parameters (the INT4 group size) travel with it:
 * {@link Int8PerChannel}, {@link Int4Grouped} and {@link Fp8E4M3PerTensor}. Each knows its packed layout: the
 * codes of a weight {@code [rows, columns]} are stored row-major, {@link #codesPerByte()} to a byte, as
 * {@link #codeType()}; its scales (and zero points, where it has them) have {@link #scaleShape}; weight {@code i}
 * at {@code (row, column)} uses scale {@link #scaleIndex}.
 */
public sealed interface QuantScheme permits QuantScheme.Int8PerChannel, QuantScheme.Int4Grouped,
        QuantScheme.Fp8E4M3PerTensor {

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

    /** The name in {@code quantization_config}: {@code int8}, {@code int4} or {@code fp8_e4m3}. */
    String id();

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
     * writing them into {@code scales} and {@code zeros}, laid out as {@link #scaleShape} says.
     */
    void fitScales(float[] w, int rows, int columns, float[] scales, byte[] zeros);

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

    /**
     * Checks that this scheme's groups divide every linear layer's input size of a model {@code c}.
     *
     * @throws TopiaryException naming the sizes and a group size that fits, when one does not divide
     */
    default void checkFits(LlamaConfig c) {
        int group = groupSize();
        if (group == 0) {
            return;
        }
        int[] inputs = {c.hiddenSize(), c.numAttentionHeads() * c.headDim(), c.intermediateSize()};
        for (int in : inputs) {
            if (in % group != 0) {
                int fits = 0;
                for (int v : inputs) {
                    fits = BigInteger.valueOf(fits).gcd(BigInteger.valueOf(v)).intValue();
                }
                throw new TopiaryException("INT4 groups of " + group + " must divide every linear layer's input"
                        + " size; this model has hidden " + c.hiddenSize() + ", attention " + inputs[1] + " and ffn "
                        + c.intermediateSize() + ": choose a group size that divides all three, e.g."
                        + " QuantScheme.int4(" + fits + ")");
            }
        }
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
     * @throws TopiaryException when the name is not one of the three
     */
    static QuantScheme of(String id, int groupSize) {
        return switch (id) {
            case "int8" -> INT8;
            case "int4" -> new Int4Grouped(groupSize);
            case "fp8_e4m3" -> FP8_E4M3;
            default -> throw new TopiaryException("unknown quantization scheme '" + id
                    + "'; expected int8, int4 or fp8_e4m3");
        };
    }

    /** Symmetric INT8 per output channel: scale = max|w_row| / 127, codes in [-127, 127]. */
    record Int8PerChannel() implements QuantScheme {
        @Override
        public String id() {
            return "int8";
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
                scales[r] = Codes.int8Scale(QuantizedTensor.maxAbs(w, r * columns, columns));
            }
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
        public void fitScales(float[] w, int rows, int columns, float[] scales, byte[] zeros) {
            int groups = columns / groupSize;
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < groups; k++) {
                    int from = r * columns + k * groupSize;
                    float min = Float.POSITIVE_INFINITY;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int i = from; i < from + groupSize; i++) {
                        min = Math.min(min, w[i]);
                        max = Math.max(max, w[i]);
                    }
                    float scale = Codes.int4Scale(min, max);
                    scales[r * groups + k] = scale;
                    zeros[r * groups + k] = (byte) Codes.int4Zero(min, scale);
                }
            }
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
            scales[0] = Codes.fp8Scale(QuantizedTensor.maxAbs(w, 0, w.length));
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
}
