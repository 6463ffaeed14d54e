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
 * <p>A super-block's fields travel outside the codec as {@value #FIELDS} floats, {@code d, dmin, sc[0..7],
 * m[0..7]} ({@link #fit}), so that a quantizer (round-to-nearest or GPTQ) can fit them, choose codes with
 * {@link #code} and have them packed as they are ({@link #writeBlock}).
 *
 * <p>The fit covers every value, not llama.cpp's iterative search: per sub-block the range is {@code [min(0, lo),
 * hi]}; {@code dmin} is the largest {@code -min} over 63 and {@code d} the largest needed step over 63, each rounded up
 * to an fp16, and each sub-block's 6-bit min and scale are rounded up to multiples of them, so that the grid spans the
 * sub-block's range and every element lies within half a step of its code, the nearest level of the stored grid.
 */
final class Q4KCodec extends SuperBlockCodec {

    static final int SUB_BLOCK = 32;
    static final int SUB_BLOCKS = ELEMENTS / SUB_BLOCK;

    /** Floats per super-block's fields: d, dmin, 8 scales, 8 mins. */
    static final int FIELDS = 2 + 2 * SUB_BLOCKS;

    /** The largest 6-bit scale or min. */
    static final int SIX_BITS = 63;

    private static final int SCALES_AT = 4;
    private static final int CODES_AT = 16;

    Q4KCodec() {
        super("q4_k", FIELDS, SUB_BLOCK);
    }

    @Override
    void checkFields(float[] fields, int at, int block) {
        checkF16(fields[at], "d", block);
        checkF16(fields[at + 1], "dmin", block);
        checkWhole(fields, at + 2, FIELDS - 2, 0, SIX_BITS, block);
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

    /**
     * Fits the fields of the super-block {@code src[from, from + 256)} into {@code fields[at, at + 18)} so that every
     * sub-block's grid covers its values: {@code dmin} and {@code d} from the largest min and step, then each
     * sub-block as {@link #fitSubBlock} does.
     */
    @Override
    void fit(float[] src, int from, float[] fields, int at) {
        float maxMin = 0f;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            maxMin = Math.max(maxMin, -low(src, from + s * SUB_BLOCK));
        }
        float dmin = Fp16.atLeast(maxMin / SIX_BITS);
        float maxStep = 0f;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            int start = from + s * SUB_BLOCK;
            maxStep = Math.max(maxStep, step(src, start, dmin * Fp16.multiplesCovering(-low(src, start), dmin,
                    SIX_BITS)));
        }
        fields[at] = Fp16.atLeast(maxStep / SIX_BITS);
        fields[at + 1] = dmin;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            fitSubBlock(src, from + s * SUB_BLOCK, fields, at, s);
        }
    }

    /**
     * Fits sub-block {@code s}'s 6-bit min and scale to the 32 values {@code src[from, from + 32)} under the
     * super-block's {@code d} and {@code dmin} already in {@code fields}: the min rounded up to a multiple of
     * {@code dmin} that reaches {@code -min(0, lo)}, then the scale up to a multiple of {@code d} that reaches the
     * sub-block's largest value from there (both at most 63, so values beyond what the super-block was fitted to
     * clip).
     */
    @Override
    void fitSubBlock(float[] src, int from, float[] fields, int at, int s) {
        int m = Fp16.multiplesCovering(-low(src, from), fields[at + 1], SIX_BITS);
        fields[at + 2 + SUB_BLOCKS + s] = m;
        fields[at + 2 + s] = Fp16.multiplesCovering(step(src, from, fields[at + 1] * m), fields[at], SIX_BITS);
    }

    // min(0, lowest value) of the sub-block starting at src[from].
    private static float low(float[] src, int from) {
        float lo = 0f;
        for (int i = 0; i < SUB_BLOCK; i++) {
            lo = Math.min(lo, src[from + i]);
        }
        return lo;
    }

    // The step that reaches the sub-block's largest value from -offset in 15 levels.
    private static float step(float[] src, int from, float offset) {
        float hi = -Float.MAX_VALUE;
        for (int i = 0; i < SUB_BLOCK; i++) {
            hi = Math.max(hi, src[from + i]);
        }
        return Math.max(0f, (hi + offset) / 15f);
    }

    /** The nearest code to {@code w} of super-block element {@code element} under the fields at {@code at}. */
    @Override
    int code(float w, float[] fields, int at, int element) {
        float step = step(fields, at, element);
        int code = step == 0f ? 0 : (int) Math.rint((w + offset(fields, at, element)) / step);
        return Math.max(0, Math.min(15, code));
    }

    /** The value {@code code} of super-block element {@code element} decodes to, as {@link #decodeBlock} computes it. */
    @Override
    float value(int code, float[] fields, int at, int element) {
        return step(fields, at, element) * code - offset(fields, at, element);
    }

    /** Writes one super-block from its fields and its 256 codes (each 0..15) starting at {@code codes[from]}. */
    @Override
    void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at, FloatFormats.floatToF16(fields[fieldsAt]));
        LittleEndian.putShort(dst, at + 2, FloatFormats.floatToF16(fields[fieldsAt + 1]));
        for (int s = 0; s < 4; s++) {
            int sc = (int) fields[fieldsAt + 2 + s];
            int scHigh = (int) fields[fieldsAt + 2 + s + 4];
            int m = (int) fields[fieldsAt + 2 + SUB_BLOCKS + s];
            int mHigh = (int) fields[fieldsAt + 2 + SUB_BLOCKS + s + 4];
            dst[at + SCALES_AT + s] = (byte) (sc | (scHigh >>> 4) << 6);
            dst[at + SCALES_AT + s + 4] = (byte) (m | (mHigh >>> 4) << 6);
            dst[at + SCALES_AT + s + 8] = (byte) ((scHigh & 0x0f) | (mHigh & 0x0f) << 4);
        }
        for (int e = 0; e < ELEMENTS; e++) {
            putCode(dst, at, e, codes[from + e]);
        }
    }

    private static float step(float[] fields, int at, int element) {
        return fields[at] * fields[at + 2 + element / SUB_BLOCK];
    }

    private static float offset(float[] fields, int at, int element) {
        return fields[at + 1] * fields[at + 2 + SUB_BLOCKS + element / SUB_BLOCK];
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

}
