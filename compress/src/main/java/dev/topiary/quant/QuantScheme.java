package dev.topiary.quant;

import dev.topiary.TopiaryException;

/**
 * How weights of a linear layer {@code [out, in]} are quantized: the number format and which weights share a
 * scale.
 *
 * <p>Three schemes, each a record so that its parameters (the INT4 group size) travel with it:
 * {@link Int8PerChannel}, {@link Int4Grouped} and {@link Fp8E4M3PerTensor}.
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
        public String toString() {
            return "FP8 E4M3 per-tensor";
        }
    }
}
