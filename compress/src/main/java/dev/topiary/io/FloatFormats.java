package dev.topiary.io;

import java.nio.BufferOverflowException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * Conversions between fp32 and the 16-bit float formats bf16 and fp16, bit-exact and rounding to nearest, ties to
 * even, as PyTorch's own casts do.
 *
 * <p>Done in Java rather than by DJL because a bf16 NDArray aborts the JVM in DJL's PyTorch binding, and Java 17 has
 * no {@code Float.float16ToFloat}.
 */
public final class FloatFormats {

    private FloatFormats() {}

    /** The fp32 value of a bf16 bit pattern; exact (bf16 is the top half of an fp32). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * The bf16 nearest to {@code value}, ties to even. Values beyond the largest finite bf16 round to infinity;
     * NaN stays NaN (made quiet, sign and top payload bits kept) rather than collapsing to infinity by the rounding.
     */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Adding 0x7fff plus the lowest kept bit rounds half to even; a carry out of the mantissa steps the exponent,
        // which is exactly right, including the step from the largest finite value to infinity.
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    /** The fp32 value of an fp16 bit pattern; exact, subnormals included, NaN payload kept. */
    public static float f16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            // Subnormal (or zero): mant * 2^-24 is exact in fp32; the sign is applied separately to keep -0.
            float magnitude = mant * 0x1p-24f;
            return sign != 0 ? -magnitude : magnitude;
        }
        // Rebias the exponent from 15 to 127.
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /**
     * The fp16 nearest to {@code value}, ties to even, producing subnormals below 2^-14. Values of magnitude 65520
     * and more round to infinity (65520 is the tie between 65504 and 2^16, and 65504 is odd); NaN stays NaN (quiet).
     */
    public static short floatToF16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            if (abs == 0x7f800000) {
                return (short) (sign | 0x7c00);
            }
            return (short) (sign | 0x7e00 | ((abs >>> 13) & 0x3ff));
        }
        if (abs >= 0x477ff000) {
            return (short) (sign | 0x7c00);
        }
        int exp = abs >>> 23;
        if (exp >= 113) {
            // Normal fp16: rebias by 112 and drop 13 mantissa bits, half to even; a mantissa carry steps the exponent.
            int v = abs - (112 << 23);
            v += 0xfff + ((v >>> 13) & 1);
            return (short) (sign | (v >>> 13));
        }
        if (abs <= 0x33000000) {
            // At most 2^-25, half the smallest subnormal: the tie at exactly 2^-25 goes to the even value, zero.
            return (short) sign;
        }
        // Subnormal fp16: value = m * 2^-24, so m = mantissa-with-hidden-bit >> (126 - exp), rounded half to even.
        int mant = (abs & 0x7fffff) | 0x800000;
        int shift = 126 - exp;
        int m = mant >>> shift;
        int rem = mant & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (rem > half || (rem == half && (m & 1) != 0)) {
            m++;
        }
        return (short) (sign | m);
    }

    /**
     * Converts {@code count} little-endian bf16 values from {@code src} into fp32 values in {@code dst}, starting at
     * each buffer's position and advancing both. The byte order {@code src} is set to does not matter.
     */
    public static void bf16ToFloat(ByteBuffer src, FloatBuffer dst, int count) {
        ByteBuffer in = littleEndianSource(src, count, 2);
        requireRoom(dst, count);
        int d = dst.position();
        for (int i = 0; i < count; i++) {
            dst.put(d + i, Float.intBitsToFloat((in.getShort(2 * i) & 0xffff) << 16));
        }
        src.position(src.position() + 2 * count);
        dst.position(d + count);
    }

    /**
     * Rounds {@code count} fp32 values from {@code src} to bf16, written little-endian into {@code dst}, starting at
     * each buffer's position and advancing both.
     */
    public static void floatToBf16(FloatBuffer src, ByteBuffer dst, int count) {
        if (src.remaining() < count) {
            throw new BufferUnderflowException();
        }
        ByteBuffer out = littleEndianDestination(dst, count, 2);
        int s = src.position();
        for (int i = 0; i < count; i++) {
            out.putShort(2 * i, floatToBf16(src.get(s + i)));
        }
        src.position(s + count);
        dst.position(dst.position() + 2 * count);
    }

    /**
     * Converts {@code count} little-endian fp16 values from {@code src} into fp32 values in {@code dst}, starting at
     * each buffer's position and advancing both. The byte order {@code src} is set to does not matter.
     */
    public static void f16ToFloat(ByteBuffer src, FloatBuffer dst, int count) {
        ByteBuffer in = littleEndianSource(src, count, 2);
        requireRoom(dst, count);
        int d = dst.position();
        for (int i = 0; i < count; i++) {
            dst.put(d + i, f16ToFloat(in.getShort(2 * i)));
        }
        src.position(src.position() + 2 * count);
        dst.position(d + count);
    }

    /**
     * Rounds {@code count} fp32 values from {@code src} to fp16, written little-endian into {@code dst}, starting at
     * each buffer's position and advancing both.
     */
    public static void floatToF16(FloatBuffer src, ByteBuffer dst, int count) {
        if (src.remaining() < count) {
            throw new BufferUnderflowException();
        }
        ByteBuffer out = littleEndianDestination(dst, count, 2);
        int s = src.position();
        for (int i = 0; i < count; i++) {
            out.putShort(2 * i, floatToF16(src.get(s + i)));
        }
        src.position(s + count);
        dst.position(dst.position() + 2 * count);
    }

    // A slice is taken so that the caller's buffer keeps its own byte order setting.
    private static ByteBuffer littleEndianSource(ByteBuffer src, int count, int width) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        if (src.remaining() / width < count) {
            throw new BufferUnderflowException();
        }
        return src.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static ByteBuffer littleEndianDestination(ByteBuffer dst, int count, int width) {
        if (count < 0) {
            throw new IllegalArgumentException("negative count " + count);
        }
        if (dst.remaining() / width < count) {
            throw new BufferOverflowException();
        }
        return dst.slice().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void requireRoom(FloatBuffer dst, int count) {
        if (dst.remaining() < count) {
            throw new BufferOverflowException();
        }
    }
}
