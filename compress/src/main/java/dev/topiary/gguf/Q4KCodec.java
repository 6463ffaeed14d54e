package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/**
 * ggml's q4_K: super-blocks of 256 elements in 8 sub-blocks of 32. A super-block is an fp16 scale {@code d}, an
 * fp16 {@code dmin}, 12 bytes holding a 6-bit scale {@code sc[s]} and a 6-bit min {@code m[s]} per sub-block, then
 * 128 bytes of 4-bit codes; element {@code i} of sub-block {@code s} is {@code d * sc[s] * q - dmin * m[s]}.
 *
 * <p>Scale and min packing: for {@code s < 4}, {@code sc[s]} is the low 6 bits of byte {@code s} and {@code m[s]}
 * the low 6 bits of byte {@code s + 4}; for {@code s >= 4}, the low 4 bits of {@code sc[s]} and {@code m[s]} are
 * the low and high nibbles of byte {@code s + 4}, and their top 2 bits are the top 2 bits of bytes {@code s - 4} and
 * {@code s}. Code order: each 64 elements share 32 bytes, the first 32 in the low nibbles and the next 32 in the
 * high nibbles.
 *
 * <p>The encoder is a simple one, not llama.cpp's iterative search: per sub-block the range is {@code [min(0, lo),
 * hi]}, giving a scale {@code (hi - min) / 15} and a min {@code -min}; the 6-bit values are those rounded relative to
 * the largest scale and min of the super-block ({@code d = maxScale / 63}, {@code dmin = maxMin / 63}), and each code
 * is the nearest level of the grid that the stored fields decode to.
 */
final class Q4KCodec implements BlockCodec {

    private static final int ELEMENTS = 256;
    private static final int SUB_BLOCK = 32;
    private static final int SUB_BLOCKS = ELEMENTS / SUB_BLOCK;
    private static final int SCALES_AT = 4;
    private static final int CODES_AT = 16;

    @Override
    public void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float[] scales = new float[SUB_BLOCKS];
        float[] mins = new float[SUB_BLOCKS];
        float maxScale = 0f;
        float maxMin = 0f;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            float lo = 0f;
            float hi = -Float.MAX_VALUE;
            for (int i = 0; i < SUB_BLOCK; i++) {
                lo = Math.min(lo, src[from + s * SUB_BLOCK + i]);
                hi = Math.max(hi, src[from + s * SUB_BLOCK + i]);
            }
            scales[s] = (hi - lo) / 15f;
            mins[s] = -lo;
            maxScale = Math.max(maxScale, scales[s]);
            maxMin = Math.max(maxMin, mins[s]);
        }
        short dBits = FloatFormats.floatToF16(maxScale / 63f);
        short dminBits = FloatFormats.floatToF16(maxMin / 63f);
        float d = FloatFormats.f16ToFloat(dBits);
        float dmin = FloatFormats.f16ToFloat(dminBits);
        int[] sc = new int[SUB_BLOCKS];
        int[] m = new int[SUB_BLOCKS];
        for (int s = 0; s < SUB_BLOCKS; s++) {
            sc[s] = sixBits(scales[s], d);
            m[s] = sixBits(mins[s], dmin);
        }
        LittleEndian.putShort(dst, at, dBits);
        LittleEndian.putShort(dst, at + 2, dminBits);
        packScalesAndMins(sc, m, dst, at + SCALES_AT);
        for (int s = 0; s < SUB_BLOCKS; s++) {
            float step = d * sc[s];
            float offset = dmin * m[s];
            for (int i = 0; i < SUB_BLOCK; i++) {
                int element = s * SUB_BLOCK + i;
                int code = step == 0f ? 0 : (int) Math.rint((src[from + element] + offset) / step);
                putCode(dst, at, element, Math.max(0, Math.min(15, code)));
            }
        }
    }

    @Override
    public void decodeBlock(byte[] src, int at, float[] dst, int from) {
        float d = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at));
        float dmin = FloatFormats.f16ToFloat(LittleEndian.getShort(src, at + 2));
        for (int s = 0; s < SUB_BLOCKS; s++) {
            float step = d * scale(src, at + SCALES_AT, s);
            float offset = dmin * min(src, at + SCALES_AT, s);
            for (int i = 0; i < SUB_BLOCK; i++) {
                int element = s * SUB_BLOCK + i;
                dst[from + element] = step * code(src, at, element) - offset;
            }
        }
    }

    /** The 6-bit scale of sub-block {@code s} from the 12 packed bytes starting at {@code packed[at]}. */
    static int scale(byte[] packed, int at, int s) {
        if (s < 4) {
            return packed[at + s] & 0x3f;
        }
        return (packed[at + s + 4] & 0x0f) | ((packed[at + s - 4] & 0xff) >>> 6) << 4;
    }

    /** The 6-bit min of sub-block {@code s} from the 12 packed bytes starting at {@code packed[at]}. */
    static int min(byte[] packed, int at, int s) {
        if (s < 4) {
            return packed[at + s + 4] & 0x3f;
        }
        return ((packed[at + s + 4] & 0xff) >>> 4) | ((packed[at + s] & 0xff) >>> 6) << 4;
    }

    private static void packScalesAndMins(int[] sc, int[] m, byte[] dst, int at) {
        for (int s = 0; s < 4; s++) {
            dst[at + s] = (byte) (sc[s] | (sc[s + 4] >>> 4) << 6);
            dst[at + s + 4] = (byte) (m[s] | (m[s + 4] >>> 4) << 6);
            dst[at + s + 8] = (byte) ((sc[s + 4] & 0x0f) | (m[s + 4] & 0x0f) << 4);
        }
    }

    // Byte 32c + l of the codes holds element 64c + l in its low nibble and element 64c + 32 + l in its high one.
    private static int codeByte(int at, int element) {
        return at + CODES_AT + element / 64 * 32 + element % 32;
    }

    private static boolean highNibble(int element) {
        return element % 64 >= 32;
    }

    private static int code(byte[] src, int at, int element) {
        int packed = src[codeByte(at, element)] & 0xff;
        return highNibble(element) ? packed >>> 4 : packed & 0x0f;
    }

    private static void putCode(byte[] dst, int at, int element, int code) {
        int index = codeByte(at, element);
        dst[index] = (byte) (highNibble(element) ? (dst[index] & 0x0f) | code << 4 : (dst[index] & 0xf0) | code);
    }

    private static int sixBits(float value, float unit) {
        return unit == 0f ? 0 : Math.min(63, (int) Math.rint(value / unit));
    }
}
