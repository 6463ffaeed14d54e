package dev.topiary.quant;

/**
 * The scalar arithmetic of the three schemes: scales from value ranges, one weight to its code, one code back to
 * its value. Round-to-nearest quantization and GPTQ both go through here, so a tensor's dequantized values are
 * exactly the values the quantizer measured its error against.
 *
 * <p>Rounding is half to even ({@link Math#rint}), as {@code torch.round} in the reference implementations. A range
 * that holds only zeros gets scale 1: any positive scale represents zero exactly, and dividing by it is safe.
 */
final class Codes {

    static final int INT8_MAX = 127;
    static final int INT4_MAX = 15;

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

    private static int clamp(double v, int lo, int hi) {
        return (int) Math.max(lo, Math.min(hi, v));
    }
}
