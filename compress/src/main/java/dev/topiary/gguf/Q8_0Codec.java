package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/**
 * ggml's q8_0: blocks of 32 elements, each an fp16 scale {@code d} followed by 32 signed bytes {@code q}; element
 * {@code j} is {@code d * q[j]}. Encoding follows llama.cpp's reference quantizer: {@code d = max|x| / 127} and
 * {@code q = round(x / d)}, halves away from zero.
 */
final class Q8_0Codec implements BlockCodec {

    /** Elements per block. */
    static final int ELEMENTS = 32;

    /** Bytes per block: the fp16 scale and 32 codes. */
    static final int BYTES = 2 + ELEMENTS;

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float absMax = 0f;
        for (int j = 0; j < ELEMENTS; j++) {
            absMax = Math.max(absMax, Math.abs(src[from + j]));
        }
        float d = absMax / 127f;
        float inverse = d != 0f ? 1f / d : 0f;
        LittleEndian.putShort(dst, at, FloatFormats.floatToF16(d));
        for (int j = 0; j < ELEMENTS; j++) {
            dst[at + 2 + j] = (byte) roundHalfAwayFromZero(src[from + j] * inverse);
        }
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        float d = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at));
        for (int j = 0; j < ELEMENTS; j++) {
            dst[from + j] = src[at + 2 + j] * d;
        }
    }

    /** Writes one block from its fp16 scale bits and the 32 codes starting at {@code codes[from]}. */
    static void writeBlock(short scaleBits, byte[] codes, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at, scaleBits);
        System.arraycopy(codes, from, dst, at + 2, ELEMENTS);
    }

    // C's roundf; Math.round would send -2.5 to -2 rather than -3. The difference |v| - floor(|v|) is exact.
    private static int roundHalfAwayFromZero(float v) {
        float magnitude = Math.abs(v);
        float whole = (float) Math.floor(magnitude);
        int rounded = (int) whole + (magnitude - whole >= 0.5f ? 1 : 0);
        return v < 0 ? -rounded : rounded;
    }
}
