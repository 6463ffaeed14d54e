package dev.topiary.gguf;

import dev.topiary.TopiaryException;

/**
 * The two k-quant grids Topiary quantizes into directly, q4_K and q6_K: super-blocks of 256 consecutive elements of
 * a row whose scale fields are themselves quantized. A quantizer fits a super-block's fields ({@link #fit}), picks
 * each element's code against them ({@link #code}), measures its error with the value llama.cpp will decode
 * ({@link #value}), and has codes and fields packed as they are ({@link #pack}), so that GPTQ's codes reach the GGUF
 * file unchanged. GPTQ refits each sub-block's own fields as it reaches it ({@link #fitSubBlock}).
 *
 * <p>Fields are floats, {@link #fields()} per super-block: q4_K's are {@code d, dmin, sc[0..7], m[0..7]}, q6_K's
 * {@code d, scale[0..15]}; {@code d} and {@code dmin} are exactly fp16 values and the others whole numbers.
 */
public enum KQuantGrid {
    /** 4-bit codes, 8 sub-blocks of 32 with a 6-bit scale and a 6-bit min each: 4.5 bits per weight. */
    Q4_K(GgmlType.Q4_K, 4),
    /** 6-bit codes, 16 sub-blocks of 16 with a signed 8-bit scale each: 6.5625 bits per weight. */
    Q6_K(GgmlType.Q6_K, 6);

    /** Elements per super-block. */
    public static final int SUPER_BLOCK = SuperBlockCodec.ELEMENTS;

    private final GgmlType type;
    private final int bits;

    KQuantGrid(GgmlType type, int bits) {
        this.type = type;
        this.bits = bits;
    }

    private SuperBlockCodec codec() {
        return (SuperBlockCodec) type.codec();
    }

    /** The GGUF type whose blocks this grid's codes and fields fill exactly. */
    public GgmlType type() {
        return type;
    }

    /** Floats per super-block's fields. */
    public int fields() {
        return codec().fields();
    }

    /** Bits per code: 4 or 6. */
    public int bits() {
        return bits;
    }

    /** Elements per sub-block, each with its own scale (and min): 32 for q4_K, 16 for q6_K. */
    public int subBlock() {
        return codec().subBlock();
    }

    /** Fits the fields of the 256 values {@code values[from, from + 256)} into {@code fields[at, at + fields())}. */
    public void fit(float[] values, int from, float[] fields, int at) {
        codec().fit(values, from, fields, at);
    }

    /**
     * Fits again only sub-block {@code subBlock}'s own fields to its {@link #subBlock()} values starting at
     * {@code values[from]}, keeping the super-block's {@code d} (and {@code dmin}): what {@link #fit} gives for that
     * sub-block when its values are unchanged. GPTQ calls this as it reaches each sub-block, whose values earlier
     * columns' errors have moved since the super-block was fitted.
     */
    public void fitSubBlock(float[] values, int from, float[] fields, int at, int subBlock) {
        codec().fitSubBlock(values, from, fields, at, subBlock);
    }

    /** The nearest code to {@code w} at position {@code element} (0..255) of a super-block with the fields at {@code at}. */
    public int code(float w, float[] fields, int at, int element) {
        return codec().code(w, fields, at, element);
    }

    /** The value {@code code} at position {@code element} decodes to, computed as llama.cpp's dequantizer does. */
    public float value(int code, float[] fields, int at, int element) {
        return codec().value(code, fields, at, element);
    }

    /**
     * The GGUF blocks of {@code codes} (one code per byte, in element order, 256 per super-block) and their fields,
     * written as they are.
     *
     * @throws TopiaryException when the counts do not match, a code is out of range, or a field is not one the block
     *     can store exactly (a d that is not an fp16 value, a scale that is not a whole number in range)
     */
    public byte[] pack(byte[] codes, float[] fieldValues) {
        int fields = fields();
        if (fieldValues.length % fields != 0 || (long) fieldValues.length / fields * SUPER_BLOCK != codes.length) {
            throw new TopiaryException(type + " codes: " + codes.length + " codes for " + fieldValues.length
                    + " field values; expected " + fields + " fields per " + SUPER_BLOCK + " codes");
        }
        int blocks = fieldValues.length / fields;
        int[] unsigned = new int[codes.length];
        int maxCode = (1 << bits) - 1;
        for (int i = 0; i < codes.length; i++) {
            unsigned[i] = codes[i] & 0xff;
            if (unsigned[i] > maxCode) {
                throw new TopiaryException(type + " codes: code " + i + " is " + unsigned[i] + "; expected 0.."
                        + maxCode + " (" + bits + " bits)");
            }
        }
        byte[] packed = new byte[Math.toIntExact((long) blocks * type.bytesPerBlock())];
        for (int b = 0; b < blocks; b++) {
            codec().checkFields(fieldValues, b * fields, b);
            codec().writeBlock(fieldValues, b * fields, unsigned, b * SUPER_BLOCK, packed, b * type.bytesPerBlock());
        }
        return packed;
    }

    @Override
    public String toString() {
        return type.ggmlName();
    }
}
