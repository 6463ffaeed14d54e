package dev.topiary.gguf;

import dev.topiary.TopiaryException;

/**
 * Packs codes and scales that were already quantized (by GPTQ, round-to-nearest, ...) into ggml blocks without
 * quantizing again, so that an exporter writes exactly the values it computed.
 *
 * <p>Codes come in element order, 32 per block; block {@code b}'s fp16 fields are entry {@code b} of the bit arrays
 * (raw fp16 bit patterns, as {@link dev.topiary.io.FloatFormats#floatToF16(float)} gives).
 */
public final class GgmlCodes {

    private static final int BLOCK = 32;

    private GgmlCodes() {}

    /**
     * q8_0 blocks: element {@code j} of block {@code b} decodes to {@code f16(scaleBits[b]) * codes[32b + j]}.
     *
     * @throws TopiaryException when {@code codes} does not hold exactly 32 codes per scale
     */
    public static byte[] packQ8_0(byte[] codes, short[] scaleBits) {
        requireBlocks("q8_0", codes.length, scaleBits.length, "scales");
        byte[] packed = new byte[scaleBits.length * Q8_0Codec.BYTES];
        for (int b = 0; b < scaleBits.length; b++) {
            Q8_0Codec.writeBlock(scaleBits[b], codes, b * BLOCK, packed, b * Q8_0Codec.BYTES);
        }
        return packed;
    }

    /**
     * q4_0 blocks: element {@code j} of block {@code b} decodes to {@code f16(scaleBits[b]) * (codes[32b + j] - 8)}.
     *
     * @throws TopiaryException when {@code codes} does not hold exactly 32 codes per scale, or a code is outside
     *     0..15
     */
    public static byte[] packQ4_0(byte[] codes, short[] scaleBits) {
        requireBlocks("q4_0", codes.length, scaleBits.length, "scales");
        int[] nibbles = nibbles("q4_0", codes);
        byte[] packed = new byte[scaleBits.length * Q4_0Codec.BYTES];
        for (int b = 0; b < scaleBits.length; b++) {
            Q4_0Codec.writeBlock(scaleBits[b], nibbles, b * BLOCK, packed, b * Q4_0Codec.BYTES);
        }
        return packed;
    }

    /**
     * q4_1 blocks: element {@code j} of block {@code b} decodes to
     * {@code f16(scaleBits[b]) * codes[32b + j] + f16(minBits[b])}.
     *
     * @throws TopiaryException when the scale and min arrays differ in length, {@code codes} does not hold exactly
     *     32 codes per scale, or a code is outside 0..15
     */
    public static byte[] packQ4_1(byte[] codes, short[] scaleBits, short[] minBits) {
        if (scaleBits.length != minBits.length) {
            throw new TopiaryException("q4_1 codes: " + scaleBits.length + " scales but " + minBits.length
                    + " mins; expected one of each per block");
        }
        requireBlocks("q4_1", codes.length, scaleBits.length, "scales");
        int[] nibbles = nibbles("q4_1", codes);
        byte[] packed = new byte[scaleBits.length * Q4_1Codec.BYTES];
        for (int b = 0; b < scaleBits.length; b++) {
            Q4_1Codec.writeBlock(scaleBits[b], minBits[b], nibbles, b * BLOCK, packed, b * Q4_1Codec.BYTES);
        }
        return packed;
    }

    private static void requireBlocks(String type, int codes, int blocks, String what) {
        if ((long) blocks * BLOCK != codes) {
            throw new TopiaryException(type + " codes: " + codes + " codes for " + blocks + " " + what
                    + "; expected exactly " + BLOCK + " codes per block (" + (long) blocks * BLOCK + ")");
        }
    }

    private static int[] nibbles(String type, byte[] codes) {
        int[] nibbles = new int[codes.length];
        for (int i = 0; i < codes.length; i++) {
            if (codes[i] < 0 || codes[i] > 15) {
                throw new TopiaryException(type + " codes: code " + i + " is " + codes[i]
                        + "; expected 0..15 (4 bits)");
            }
            nibbles[i] = codes[i];
        }
        return nibbles;
    }
}
