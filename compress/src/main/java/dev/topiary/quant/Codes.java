package dev.topiary.quant;

import dev.topiary.TopiaryException;
import dev.topiary.io.FloatFormats;

/**
 * The scalar arithmetic of the schemes: scales from value ranges, one weight to its code, one code back to
 * its value. Round-to-nearest quantization and GPTQ both go through here, so a tensor's dequantized values are
 * exactly the values the quantizer measured its error against.
 *
 * <p>Rounding is half to even ({@link Math#rint}), as {@code torch.round} in the reference implementations. A range
 * that holds only zeros gets scale 1: any positive scale represents zero exactly, and dividing by it is safe.
 */
final class Codes {

    static final int INT8_MAX = 127;
    static final int INT4_MAX = 15;

    /** Weights per block of GGUF's 32-element types (q8_0, q4_0, q4_1). */
    static final int BLOCK = 32;

    /** The code of zero in q4_0: value = d * (code - 8). */
    static final int Q4_0_OFFSET = 8;

    private Codes() {}

    static float int8Scale(float maxAbs) {
        return maxAbs > 0 ? maxAbs / INT8_MAX : 1f;
    }

    static byte int8Code(float w, float scale) {
        return (byte) clamp(Math.rint(w / (double) scale), -INT8_MAX, INT8_MAX);
    }

    static float int8Value(byte code, float scale) {
        return code * scale;
    }

    /**
     * INT4 scale for a group whose values lie in [min, max]. As in GPTQ's reference quantizer the range is widened
     * to include 0, so zero is exact and the zero point always lies in [0, 15] without clipping any weight.
     */
    static float int4Scale(float min, float max) {
        float lo = Math.min(min, 0f);
        float hi = Math.max(max, 0f);
        return hi > lo ? (hi - lo) / INT4_MAX : 1f;
    }

    static int int4Zero(float min, float scale) {
        return clamp(Math.rint(-Math.min(min, 0f) / (double) scale), 0, INT4_MAX);
    }

    static int int4Code(float w, float scale, int zero) {
        return clamp(Math.rint(w / (double) scale) + zero, 0, INT4_MAX);
    }

    static float int4Value(int code, float scale, int zero) {
        return (code - zero) * scale;
    }

    static float fp8Scale(float maxAbs) {
        return maxAbs > 0 ? maxAbs / Fp8E4M3.MAX : 1f;
    }

    static byte fp8Code(float w, float scale) {
        return Fp8E4M3.encode((float) (w / (double) scale));
    }

    static float fp8Value(byte code, float scale) {
        return Fp8E4M3.decode(code) * scale;
    }

    /** The fp16 value nearest to {@code v} (ties to even), as a float. */
    static float f16(float v) {
        return FloatFormats.f16ToFloat(FloatFormats.floatToF16(v));
    }

    /**
     * A scale rounded to the nearest fp16, so that GGUF stores it exactly: one that rounds to zero (a block of
     * near-zeros) becomes 1, which codes every weight of such a block as zero; one beyond fp16's range saturates at
     * its largest finite value, 65504.
     */
    static float f16Scale(float scale) {
        float rounded = f16(scale);
        if (rounded == 0) {
            return 1f;
        }
        return Float.isInfinite(rounded) ? Math.copySign(65504f, rounded) : rounded;
    }

    /**
     * The fp16 bit patterns of {@code scales[offset]}, {@code scales[offset + stride]}, ...
     *
     * @throws TopiaryException when a scale is not exactly an fp16 value (a checkpoint not written by Topiary)
     */
    static short[] f16Bits(float[] scales, int offset, int stride) {
        short[] bits = new short[(scales.length - offset + stride - 1) / stride];
        for (int b = 0; b < bits.length; b++) {
            float s = scales[offset + b * stride];
            bits[b] = FloatFormats.floatToF16(s);
            if (FloatFormats.f16ToFloat(bits[b]) != s) {
                throw new TopiaryException("scale " + s + " of block " + b + " is not an fp16 value, so GGUF cannot"
                        + " store it exactly");
            }
        }
        return bits;
    }

    /** q4_0's scale, as ggml's: the block's value of largest magnitude (the first, on ties) divided by -8. */
    static float q4_0Scale(float[] values, int from, int count) {
        float amax = 0;
        float max = 0;
        for (int i = from; i < from + count; i++) {
            if (Math.abs(values[i]) > amax) {
                amax = Math.abs(values[i]);
                max = values[i];
            }
        }
        return max / -Q4_0_OFFSET;
    }

    /** q4_1's scale for a block in [min, max] with the min already rounded to fp16. */
    static float q4_1Scale(float min, float max) {
        return (max - min) / INT4_MAX;
    }

    static int q4_1Code(float w, float scale, float min) {
        return clamp(Math.rint((w - (double) min) / scale), 0, INT4_MAX);
    }

    static float q4_1Value(int code, float scale, float min) {
        return code * scale + min;
    }

    static float min(float[] values, int from, int count) {
        float m = Float.POSITIVE_INFINITY;
        for (int i = from; i < from + count; i++) {
            m = Math.min(m, values[i]);
        }
        return m;
    }

    static float max(float[] values, int from, int count) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = from; i < from + count; i++) {
            m = Math.max(m, values[i]);
        }
        return m;
    }

    private static int clamp(double v, int lo, int hi) {
        return (int) Math.max(lo, Math.min(hi, v));
    }
}
