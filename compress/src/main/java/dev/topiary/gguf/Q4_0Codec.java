package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/**
 * ggml's q4_0: blocks of 32 elements, each an fp16 scale {@code d} followed by 32 4-bit codes {@code q} in the
 * {@link SplitNibbles} order; element {@code j} is {@code d * (q[j] - 8)}.
 *
 * <p>Encoding follows llama.cpp's reference quantizer: the element of largest magnitude, sign kept, is {@code max};
 * {@code d = max / -8}, so that element becomes code 0, and {@code q = min(15, (int) (x / d + 8.5))}.
 */
final class Q4_0Codec implements BlockCodec {

    /** Bytes per block: the fp16 scale and 16 nibble bytes. */
    static final int BYTES = 2 + SplitNibbles.BYTES;

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float absMax = 0f;
        float max = 0f;
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            float v = src[from + j];
            if (absMax < Math.abs(v)) {
                absMax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float inverse = d != 0f ? 1f / d : 0f;
        int[] codes = new int[SplitNibbles.ELEMENTS];
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            codes[j] = Math.min(15, (int) (src[from + j] * inverse + 8.5f));
        }
        writeBlock(FloatFormats.floatToF16(d), codes, 0, dst, at);
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        float d = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at));
        for (int j = 0; j < SplitNibbles.ELEMENTS; j++) {
            dst[from + j] = (SplitNibbles.code(src, at + 2, j) - 8) * d;
        }
    }

    /** Writes one block from its fp16 scale bits and the 32 codes (each 0..15) starting at {@code codes[from]}. */
    static void writeBlock(short scaleBits, int[] codes, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at, scaleBits);
        SplitNibbles.pack(codes, from, dst, at + 2);
    }
}
