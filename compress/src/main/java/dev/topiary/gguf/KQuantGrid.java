package dev.topiary.gguf;

import dev.topiary.TopiaryException;
import dev.topiary.io.FloatFormats;

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
    Q4_K(GgmlType.Q4_K, Q4KCodec.FIELDS, 4, Q4KCodec.SUB_BLOCK) {
        @Override
        public void fit(float[] values, int from, float[] fields, int at) {
            Q4KCodec.fit(values, from, fields, at);
        }

        @Override
        public void fitSubBlock(float[] values, int from, float[] fields, int at, int subBlock) {
            Q4KCodec.fitSubBlock(values, from, fields, at, subBlock);
        }

        @Override
        public int code(float w, float[] fields, int at, int element) {
            return Q4KCodec.code(w, fields, at, element);
        }

        @Override
        public float value(int code, float[] fields, int at, int element) {
            return Q4KCodec.value(code, fields, at, element);
        }

        @Override
        void checkFields(float[] fields, int at, int block) {
            checkF16(fields[at], "d", block);
            checkF16(fields[at + 1], "dmin", block);
            checkWhole(fields, at + 2, Q4KCodec.FIELDS - 2, 0, Q4KCodec.SIX_BITS, block);
        }

        @Override
        void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at) {
            Q4KCodec.writeBlock(fields, fieldsAt, codes, from, dst, at);
        }
    },
    /** 6-bit codes, 16 sub-blocks of 16 with a signed 8-bit scale each: 6.5625 bits per weight. */
    Q6_K(GgmlType.Q6_K, Q6KCodec.FIELDS, 6, Q6KCodec.SUB_BLOCK) {
        @Override
        public void fit(float[] values, int from, float[] fields, int at) {
            Q6KCodec.fit(values, from, fields, at);
        }

        @Override
        public void fitSubBlock(float[] values, int from, float[] fields, int at, int subBlock) {
            Q6KCodec.fitSubBlock(values, from, fields, at, subBlock);
        }

        @Override
        public int code(float w, float[] fields, int at, int element) {
            return Q6KCodec.code(w, fields, at, element);
        }

        @Override
        public float value(int code, float[] fields, int at, int element) {
            return Q6KCodec.value(code, fields, at, element);
        }

        @Override
        void checkFields(float[] fields, int at, int block) {
            checkF16(fields[at], "d", block);
            checkWhole(fields, at + 1, Q6KCodec.FIELDS - 1, Byte.MIN_VALUE, Byte.MAX_VALUE, block);
        }

        @Override
        void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at) {
            Q6KCodec.writeBlock(fields, fieldsAt, codes, from, dst, at);
        }
    };

    /** Elements per super-block. */
    public static final int SUPER_BLOCK = 256;

    private final GgmlType type;
    private final int fields;
    private final int bits;
    private final int subBlock;

    KQuantGrid(GgmlType type, int fields, int bits, int subBlock) {
        this.type = type;
        this.fields = fields;
        this.bits = bits;
        this.subBlock = subBlock;
    }

    /** The GGUF type whose blocks this grid's codes and fields fill exactly. */
    public GgmlType type() {
        return type;
    }

    /** Floats per super-block's fields. */
    public int fields() {
        return fields;
    }

    /** Bits per code: 4 or 6. */
    public int bits() {
        return bits;
    }

    /** Elements per sub-block, each with its own scale (and min): 32 for q4_K, 16 for q6_K. */
    public int subBlock() {
        return subBlock;
    }

    /** Fits the fields of the 256 values {@code values[from, from + 256)} into {@code fields[at, at + fields())}. */
    public abstract void fit(float[] values, int from, float[] fields, int at);

    /**
     * Fits again only sub-block {@code subBlock}'s own fields to its {@link #subBlock()} values starting at
     * {@code values[from]}, keeping the super-block's {@code d} (and {@code dmin}): what {@link #fit} gives for that
     * sub-block when its values are unchanged. GPTQ calls this as it reaches each sub-block, whose values earlier
     * columns' errors have moved since the super-block was fitted.
     */
    public abstract void fitSubBlock(float[] values, int from, float[] fields, int at, int subBlock);

    /** The nearest code to {@code w} at position {@code element} (0..255) of a super-block with the fields at {@code at}. */
    public abstract int code(float w, float[] fields, int at, int element);

    /** The value {@code code} at position {@code element} decodes to, computed as llama.cpp's dequantizer does. */
    public abstract float value(int code, float[] fields, int at, int element);

    /**
     * The GGUF blocks of {@code codes} (one code per byte, in element order, 256 per super-block) and their fields,
     * written as they are.
     *
     * @throws TopiaryException when the counts do not match, a code is out of range, or a field is not one the block
     *     can store exactly (a d that is not an fp16 value, a scale that is not a whole number in range)
     */
    public byte[] pack(byte[] codes, float[] fieldValues) {
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
            checkFields(fieldValues, b * fields, b);
            writeBlock(fieldValues, b * fields, unsigned, b * SUPER_BLOCK, packed, b * type.bytesPerBlock());
        }
        return packed;
    }

    abstract void checkFields(float[] fields, int at, int block);

    abstract void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at);

    void checkF16(float v, String name, int block) {
        if (FloatFormats.f16ToFloat(FloatFormats.floatToF16(v)) != v) {
            throw new TopiaryException(type + " super-block " + block + ": " + name + " = " + v
                    + " is not an fp16 value, so GGUF cannot store it exactly");
        }
    }

    void checkWhole(float[] values, int from, int count, int lo, int hi, int block) {
        for (int i = from; i < from + count; i++) {
            if (values[i] != Math.rint(values[i]) || values[i] < lo || values[i] > hi) {
                throw new TopiaryException(type + " super-block " + block + ": scale field " + (i - from) + " is "
                        + values[i] + "; expected a whole number in " + lo + ".." + hi);
            }
        }
    }

    @Override
    public String toString() {
        return type.ggmlName();
    }
}
