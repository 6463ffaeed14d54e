package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/**
 * ggml's q6_K: super-blocks of 256 elements in 16 sub-blocks of 16. A super-block is 128 bytes {@code ql} of low 4
 * bits, 64 bytes {@code qh} of high 2 bits, 16 signed 8-bit sub-block scales, then an fp16 {@code d}; element
 * {@code e} is {@code d * scale[e / 16] * (q - 32)} with its 6-bit code {@code q} laid out as llama.cpp's
 * {@code dequantize_row_q6_K} reads it.
 *
 * <p>Bit layout: each half of 128 elements uses 64 {@code ql} bytes and 32 {@code qh} bytes. Within a half, for
 * {@code l} in 0..31, {@code ql[l]} holds elements {@code l} (low nibble) and {@code l + 64} (high nibble),
 * {@code ql[l + 32]} holds {@code l + 32} and {@code l + 96}, and {@code qh[l]} holds the top 2 bits of elements
 * {@code l}, {@code l + 32}, {@code l + 64} and {@code l + 96} in bits 0-1, 2-3, 4-5 and 6-7.
 *
 * <p>The encoder is a simple one, not llama.cpp's iterative search: each sub-block's scale is its largest magnitude
 * over 31, stored as an 8-bit multiple of {@code d = maxScale / 127}, and each code is the nearest level of the grid
 * that the stored fields decode to.
 */
final class Q6KCodec implements BlockCodec {

    private static final int ELEMENTS = 256;
    private static final int SUB_BLOCK = 16;
    private static final int SUB_BLOCKS = ELEMENTS / SUB_BLOCK;
    private static final int HIGH_BITS_AT = 128;
    private static final int SCALES_AT = 192;
    private static final int D_AT = 208;

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float[] scales = new float[SUB_BLOCKS];
        float maxScale = 0f;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            float absMax = 0f;
            for (int i = 0; i < SUB_BLOCK; i++) {
                absMax = Math.max(absMax, Math.abs(src[from + s * SUB_BLOCK + i]));
            }
            scales[s] = absMax / 31f;
            maxScale = Math.max(maxScale, scales[s]);
        }
        short dBits = FloatFormats.floatToF16(maxScale / 127f);
        float d = FloatFormats.f16ToFloat(dBits);
        LittleEndian.putShort(dst, at + D_AT, dBits);
        for (int s = 0; s < SUB_BLOCKS; s++) {
            int scale = d == 0f ? 0 : Math.min(127, (int) Math.rint(scales[s] / d));
            dst[at + SCALES_AT + s] = (byte) scale;
            float step = d * scale;
            for (int i = 0; i < SUB_BLOCK; i++) {
                int element = s * SUB_BLOCK + i;
                int level = step == 0f ? 0 : (int) Math.rint(src[from + element] / step);
                putCode(dst, at, element, Math.max(-32, Math.min(31, level)) + 32);
            }
        }
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        float d = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at + D_AT));
        for (int element = 0; element < ELEMENTS; element++) {
            int scale = src[at + SCALES_AT + element / SUB_BLOCK];
            dst[from + element] = d * scale * (code(src, at, element) - 32);
        }
    }

    private static int code(byte[] src, int at, int element) {
        int low = (src[lowByte(at, element)] & 0xff) >>> lowShift(element) & 0x0f;
        int high = (src[highByte(at, element)] & 0xff) >>> highShift(element) & 0x03;
        return low | high << 4;
    }

    private static void putCode(byte[] dst, int at, int element, int code) {
        int low = lowByte(at, element);
        dst[low] = (byte) (dst[low] & ~(0x0f << lowShift(element)) | (code & 0x0f) << lowShift(element));
        int high = highByte(at, element);
        dst[high] = (byte) (dst[high] & ~(0x03 << highShift(element)) | (code >>> 4) << highShift(element));
    }

    // Within a half, quarter g = position / 32 of the elements: g = 0 and 2 use ql[l], g = 1 and 3 use ql[l + 32].
    private static int lowByte(int at, int element) {
        int half = element / 128;
        int quarter = element % 128 / 32;
        return at + half * 64 + (quarter % 2) * 32 + element % 32;
    }

    private static int lowShift(int element) {
        return element % 128 / 32 >= 2 ? 4 : 0;
    }

    private static int highByte(int at, int element) {
        return at + HIGH_BITS_AT + element / 128 * 32 + element % 32;
    }

    private static int highShift(int element) {
        return element % 128 / 32 * 2;
    }
}
