package dev.topiary.quant;

/**
 * The FP8 E4M3 "fn" number format (as in {@code torch.float8_e4m3fn} and the OCP FP8 specification), encoded and
 * decoded bit-exactly in Java.
 *
 * <p>One sign bit, four exponent bits (bias 7), three mantissa bits. Exponent field 0 holds subnormals
 * ({@code m * 2^-9}); there are no infinities, and {@code S.1111.111} is NaN, so the largest finite value is
 * {@code 1.75 * 2^8 = 448}. Encoding rounds to nearest, ties to even, and saturates to +-448 (infinities too).
 */
public final class Fp8E4M3 {

    /** Largest finite magnitude. */
    public static final float MAX = 448f;

    /** The positive NaN code; with the sign bit set, {@code 0xFF} is NaN too. */
    public static final byte NAN = 0x7F;

    private static final int MAX_CODE = 0x7E;
    private static final int MIN_NORMAL_EXPONENT = -6;

    private Fp8E4M3() {}

    /** The E4M3 code nearest to {@code value} (ties to even), saturated to +-448; NaN gives {@link #NAN}. */
    public static byte encode(float value) {
        if (Float.isNaN(value)) {
            return NAN;
        }
        int sign = (Float.floatToRawIntBits(value) >>> 31) << 7;
        double magnitude = Math.abs((double) value);
        int code;
        if (magnitude < 0x1p-6) {
            // Subnormal: multiples of 2^-9. The codes are monotone in the value, so rounding up to 8 lands exactly
            // on the smallest normal (exponent field 1, mantissa 0). Scaling by a power of two is exact in double.
            code = (int) Math.rint(magnitude * 0x1p9);
        } else {
            int exponent = Math.getExponent(magnitude);
            if (exponent > 8) {
                code = MAX_CODE;
            } else {
                // magnitude * 2^(3 - e) is in [8, 16): 8 + mantissa. A carry to 16 moves to the next exponent, which
                // is again the next code.
                long scaled = (long) Math.rint(Math.scalb(magnitude, 3 - exponent));
                code = (int) (((exponent + 7) << 3) + scaled - 8);
            }
            code = Math.min(code, MAX_CODE);
        }
        return (byte) (sign | code);
    }

    /** The value of an E4M3 code: exact, as every E4M3 value is an fp32 value; NaN codes give NaN. */
    public static float decode(byte code) {
        int bits = code & 0xFF;
        int exponent = (bits >>> 3) & 0xF;
        int mantissa = bits & 0x7;
        if (exponent == 0xF && mantissa == 0x7) {
            return Float.NaN;
        }
        float magnitude = exponent == 0
                ? Math.scalb((float) mantissa, -9)
                : Math.scalb(1f + mantissa / 8f, exponent - 7);
        return (bits & 0x80) != 0 ? -magnitude : magnitude;
    }

    /** Whether a code is one of the two NaN codes. */
    public static boolean isNaN(byte code) {
        return (code & 0x7F) == NAN;
    }
}
