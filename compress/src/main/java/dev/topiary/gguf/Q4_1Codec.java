package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/**
 * ggml's q4_1: blocks of 32 elements, each an fp16 scale {@code d}, an fp16 offset {@code m}, then 32 4-bit codes
 * {@code q} in the {@link SplitNibbles} order; element {@code j} is {@code d * q[j] + m}.
 *
 * <p>Encoding follows llama.cpp's reference quantizer: {@code m} is the block's minimum, {@code d = (max - min) / 15}
 * and {@code q = min(15, (int) ((x - min) / d + 0.5))}.
 */
final class Q4_1Codec implements BlockCodec {

    /** Bytes per block: the fp16 scale and offset, and 16 nibble bytes. */
    static final int BYTES = 4 + SplitNibbles.BYTES;

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            min = Math.min(min, src[from + j]);
            max = Math.max(max, src[from + j]);
        }
        float d = (max - min) / 15f;
        float inverse = d != 0f ? 1f / d : 0f;
        int[] codes = new int[SplitNibbles.ELEMENTS];
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            codes[j] = Math.min(15, (int) ((src[from + j] - min) * inverse + 0.5f));
        }
        writeBlock(FloatFormats.floatToF16(d), FloatFormats.floatToF16(min), codes, 0, dst, at);
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        float d = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at));
        float m = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at + 2));
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            dst[from + j] = SplitNibbles.code(src, at + 4, j) * d + m;
        }
    }

    /**
     * Writes one block from its fp16 scale and offset bits and the 32 codes (each 0..15) starting at
     * {@code codes[from]}.
     */
    static void writeBlock(short scaleBits, short minBits, int[] codes, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at, scaleBits);
        LittleEndian.putShort(dst, at + 2, minBits);
        SplitNibbles.pack(codes, from, dst, at + 4);
    }
}
