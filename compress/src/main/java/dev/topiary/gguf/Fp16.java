package dev.topiary.gguf;

import dev.topiary.io.FloatFormats;

/** Rounding up for the k-quant fits, whose scale fields must reach a value rather than approach it. */
final class Fp16 {

    private Fp16() {}

    /** The smallest fp16 value at least {@code x} (for finite {@code x >= 0}), as a float. */
    static float atLeast(float x) {
        short bits = FloatFormats.floatToF16(x);
        float v = FloatFormats.f16ToFloat(bits);
        return v >= x ? v : FloatFormats.f16ToFloat((short) (bits + 1));
    }

    /**
     * The fewest multiples of {@code unit} that reach {@code value >= 0}, at most {@code max}; 0 when the unit is 0
     * (then every value is 0).
     */
    static int multiplesCovering(float value, float unit, int max) {
        if (unit == 0f) {
            return 0;
        }
        int n = (int) Math.ceil(value / unit);
        while (n > 0 && unit * (n - 1) >= value) {
            n--;
        }
        while (n < max && unit * n < value) {
            n++;
        }
        return Math.max(0, Math.min(max, n));
    }
}
