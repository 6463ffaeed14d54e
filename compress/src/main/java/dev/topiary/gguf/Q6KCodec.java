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
 * <p>A super-block's fields travel outside the codec as {@value #FIELDS} floats, {@code d, scale[0..15]}
 * ({@link #fit}), so that a quantizer (round-to-nearest or GPTQ) can fit them, choose codes with {@link #code} and
 * have them packed as they are ({@link #writeBlock}).
 *
 * <p>The fit covers every value, not llama.cpp's iterative search: each sub-block needs a step of its largest
 * magnitude over 31; {@code d} is the largest such step over 127, rounded up to an fp16, and each sub-block's 8-bit
 * scale is rounded up to a multiple of it, so that every element lies within half a step of its code, the nearest
 * level of the stored grid.
 */
final class Q6KCodec extends SuperBlockCodec {

    static final int SUB_BLOCK = 16;
    static final int SUB_BLOCKS = ELEMENTS / SUB_BLOCK;

    /** Floats per super-block's fields: d and 16 scales. */
    static final int FIELDS = 1 + SUB_BLOCKS;

    /** The largest 8-bit sub-block scale the fit gives. */
    static final int MAX_SCALE = 127;

    private static final int HIGH_BITS_AT = 128;
    private static final int SCALES_AT = 192;
    private static final int D_AT = 208;

    Q6KCodec() {
        super("q6_k", FIELDS, SUB_BLOCK);
    }

    @Override
    void checkFields(float[] fields, int at, int block) {
        checkF16(fields[at], "d", block);
        checkWhole(fields, at + 1, FIELDS - 1, Byte.MIN_VALUE, Byte.MAX_VALUE, block);
    }

    /**
     * Fits the fields of the super-block {@code src[from, from + 256)} into {@code fields[at, at + 17)} so that every
     * sub-block's grid covers its values: {@code d} from the largest step, then each sub-block as
     * {@link #fitSubBlock} does.
     */
    @Override
    void fit(float[] src, int from, float[] fields, int at) {
        float maxStep = 0f;
        for (int s = 0; s < SUB_BLOCKS; s++) {
            maxStep = Math.max(maxStep, step(src, from + s * SUB_BLOCK));
        }
        fields[at] = Fp16.atLeast(maxStep / MAX_SCALE);
        for (int s = 0; s < SUB_BLOCKS; s++) {
            fitSubBlock(src, from + s * SUB_BLOCK, fields, at, s);
        }
    }

    /**
     * Fits sub-block {@code s}'s 8-bit scale to the 16 values {@code src[from, from + 16)} under the super-block's
     * {@code d} already in {@code fields}: rounded up to a multiple of {@code d} that reaches the largest magnitude in
     * 31 levels (at most 127, so values beyond what the super-block was fitted to clip).
     */
    @Override
    void fitSubBlock(float[] src, int from, float[] fields, int at, int s) {
        fields[at + 1 + s] = Fp16.multiplesCovering(step(src, from), fields[at], MAX_SCALE);
    }

    // The step that reaches the sub-block's largest magnitude in 31 levels.
    private static float step(float[] src, int from) {
        float absMax = 0f;
        for (int i = 0; i < SUB_BLOCK; i++) {
            absMax = Math.max(absMax, Math.abs(src[from + i]));
        }
        return absMax / 31f;
    }

    /** The nearest code (0..63) to {@code w} of super-block element {@code element} under the fields at {@code at}. */
    @Override
    int code(float w, float[] fields, int at, int element) {
        float step = step(fields, at, element);
        int level = step == 0f ? 0 : (int) Math.rint(w / step);
        return Math.max(-32, Math.min(31, level)) + 32;
    }

    /** The value {@code code} of super-block element {@code element} decodes to, as {@link #decodeBlock} computes it. */
    @Override
    float value(int code, float[] fields, int at, int element) {
        return step(fields, at, element) * (code - 32);
    }

    /** Writes one super-block from its fields and its 256 codes (each 0..63) starting at {@code codes[from]}. */
    @Override
    void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at) {
        LittleEndian.putShort(dst, at + D_AT, FloatFormats.floatToF16(fields[fieldsAt]));
        for (int s = 0; s < SUB_BLOCKS; s++) {
            dst[at + SCALES_AT + s] = (byte) (int) fields[fieldsAt + 1 + s];
        }
        for (int e = 0; e < ELEMENTS; e++) {
            putCode(dst, at, e, codes[from + e]);
        }
    }

    private static float step(float[] fields, int at, int element) {
        return fields[at] * fields[at + 1 + element / SUB_BLOCK];
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
