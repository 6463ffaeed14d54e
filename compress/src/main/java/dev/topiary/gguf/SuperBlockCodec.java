package dev.topiary.gguf;

import dev.topiary.TopiaryException;
import dev.topiary.io.FloatFormats;

/**
 * A k-quant codec: super-blocks of 256 elements whose scale fields are quantized too. Its fields travel outside the
 * codec as floats ({@link #fields} per super-block), so that a quantizer can fit them ({@link #fit}), refit one
 * sub-block ({@link #fitSubBlock}), choose codes ({@link #code}) against the values they decode to ({@link #value})
 * and have everything packed as it is ({@link #writeBlock}); encoding a row of floats is those steps in turn.
 */
abstract class SuperBlockCodec implements BlockCodec {

    static final int ELEMENTS = 256;

    private final String name;
    private final int fields;
    private final int subBlock;

    SuperBlockCodec(String name, int fields, int subBlock) {
        this.name = name;
        this.fields = fields;
        this.subBlock = subBlock;
    }

    /** Floats per super-block's fields. */
    final int fields() {
        return fields;
    }

    /** Elements per sub-block. */
    final int subBlock() {
        return subBlock;
    }

    /** Fits the fields of the super-block {@code src[from, from + 256)} into {@code fields[at, ...)}. */
    abstract void fit(float[] src, int from, float[] fields, int at);

    /** Fits sub-block {@code s}'s own fields to its values from {@code src[from]}, keeping the super-block's. */
    abstract void fitSubBlock(float[] src, int from, float[] fields, int at, int s);

    /** The nearest code to {@code w} at position {@code element} of a super-block with the fields at {@code at}. */
    abstract int code(float w, float[] fields, int at, int element);

    /** The value {@code code} at position {@code element} decodes to, as {@link #decodeBlock} computes it. */
    abstract float value(int code, float[] fields, int at, int element);

    /** Writes one super-block from its fields and its 256 codes starting at {@code codes[from]}. */
    abstract void writeBlock(float[] fields, int fieldsAt, int[] codes, int from, byte[] dst, int at);

    /**
     * @throws TopiaryException when super-block {@code block}'s fields at {@code at} are not ones the block stores
     *     exactly
     */
    abstract void checkFields(float[] fields, int at, int block);

    @Override
    public final void encodeBlock(float[] src, int from, byte[] dst, int at) {
        float[] f = new float[fields];
        fit(src, from, f, 0);
        int[] codes = new int[ELEMENTS];
        for (int e = 0; e < ELEMENTS; e++) {
            codes[e] = code(src[from + e], f, 0, e);
        }
        writeBlock(f, 0, codes, 0, dst, at);
    }

    /** @throws TopiaryException when {@code v} (field {@code field} of super-block {@code block}) is not an fp16 */
    final void checkF16(float v, String field, int block) {
        if (FloatFormats.f16ToFloat(FloatFormats.floatToF16(v)) != v) {
            throw new TopiaryException(name + " super-block " + block + ": " + field + " = " + v
                    + " is not an fp16 value, so GGUF cannot store it exactly");
        }
    }

    /** @throws TopiaryException when a value of {@code values[from, from + count)} is not a whole number in range */
    final void checkWhole(float[] values, int from, int count, int lo, int hi, int block) {
        for (int i = from; i < from + count; i++) {
            if (values[i] != Math.rint(values[i]) || values[i] < lo || values[i] > hi) {
                throw new TopiaryException(name + " super-block " + block + ": scale field " + (i - from) + " is "
                        + values[i] + "; expected a whole number in " + lo + ".." + hi);
            }
        }
    }
}
