package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks the 16-bit conversions on hand-picked bit patterns and, for many random inputs, against an independent
 * reference: the nearest representable value found by searching a table decoded from the format's definition.
 */
class FloatFormatsTest {

    @Test
    void bf16RoundsToNearestEvenOnChosenPatterns() {
        assertEquals(0x3F80, bf16(0x3F800000)); // 1.0 exactly
        assertEquals(0x3F80, bf16(0x3F808000)); // tie, lower neighbour even: stays
        assertEquals(0x3F82, bf16(0x3F818000)); // tie, lower neighbour odd: rounds up to even
        assertEquals(0x3F81, bf16(0x3F808001)); // just above the tie: up
        assertEquals(0x3F80, bf16(0x3F807FFF)); // just below the tie: down
        assertEquals(0x7F80, bf16(0x7F7FFFFF)); // largest float overflows bf16 to +Inf
        assertEquals(0x7F7F, bf16(0x7F7F7FFF)); // just under the overflow tie stays finite
        assertEquals(0x7F80, bf16(0x7F800000)); // +Inf
        assertEquals(0xFF80, bf16(0xFF800000)); // -Inf
        assertEquals(0xFF80, bf16(0xFF7FFFFF)); // most negative float overflows to -Inf
        assertEquals(0xBF80, bf16(0xBF800000)); // -1.0
        assertEquals(0xBF82, bf16(0xBF818000)); // negative tie to even
        assertEquals(0x8000, bf16(0x80000000)); // -0.0 keeps its sign
        assertEquals(0x0000, bf16(0x00000001)); // smallest float subnormal rounds to zero
        assertEquals(0x0001, bf16(0x00010000)); // bf16 subnormal exactly
    }

    @Test
    void bf16KeepsNaN() {
        for (int bits : new int[] {0x7FC00000, 0x7F800001, 0xFFC00000, 0x7FFFFFFF, 0x7F80FFFF}) {
            int h = bf16(bits);
            assertEquals(0x7F80, h & 0x7F80, "exponent all ones for " + Integer.toHexString(bits));
            assertTrue((h & 0x007F) != 0, "mantissa nonzero (NaN, not Inf) for " + Integer.toHexString(bits));
            assertTrue((h & 0x0040) != 0, "quiet NaN for " + Integer.toHexString(bits));
            assertEquals(bits >>> 31, h >>> 15, "sign kept");
            assertTrue(Float.isNaN(FloatFormats.bf16ToFloat((short) h)));
        }
    }

    @Test
    void bf16DecodesByShift() {
        assertEquals(1.0f, FloatFormats.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, FloatFormats.bf16ToFloat((short) 0xC000));
        assertEquals(3.140625f, FloatFormats.bf16ToFloat((short) 0x4049));
        assertEquals(Float.NEGATIVE_INFINITY, FloatFormats.bf16ToFloat((short) 0xFF80));
        for (int h = 0; h < 0x10000; h++) {
            float f = FloatFormats.bf16ToFloat((short) h);
            assertEquals(h << 16, Float.floatToRawIntBits(f));
            if (!Float.isNaN(f)) {
                assertEquals(h, bf16(Float.floatToRawIntBits(f)), "bf16 -> f32 -> bf16 is the identity");
            }
        }
    }

    @Test
    void f16OnChosenPatterns() {
        assertEquals(0x3C00, f16(1.0f));
        assertEquals(0xC000, f16(-2.0f));
        assertEquals(0x7BFF, f16(65504f)); // largest finite
        assertEquals(0x7BFF, f16(Math.nextDown(65520f))); // just under the overflow tie
        assertEquals(0x7C00, f16(65520f)); // tie between 65504 (odd) and 2^16: to Inf
        assertEquals(0xFC00, f16(-65520f));
        assertEquals(0x7C00, f16(1e10f));
        assertEquals(0x7C00, f16(Float.POSITIVE_INFINITY));
        assertEquals(0x0001, f16(0x1p-24f)); // smallest subnormal
        assertEquals(0x0000, f16(0x1p-25f)); // tie between 0 and 2^-24: to even, zero
        assertEquals(0x0001, f16(Math.nextUp(0x1p-25f))); // just above that tie: up
        assertEquals(0x0002, f16(3 * 0x1p-25f)); // tie between 1 and 2 ulps: to 2
        assertEquals(0x0400, f16(0x1p-14f)); // smallest normal
        assertEquals(0x0400, f16(0x3FFp-24f + 0x1p-25f)); // tie from largest subnormal (odd) carries to normal
        assertEquals(0x03FF, f16(0x3FFp-24f));
        assertEquals(0x3C00, f16(1 + 0x1p-11f)); // tie, lower neighbour even
        assertEquals(0x3C02, f16(1 + 3 * 0x1p-11f)); // tie, lower neighbour odd
        assertEquals(0x3C01, f16(Math.nextUp(1 + 0x1p-11f)));
        assertEquals(0x3555, f16(1f / 3));
        assertEquals(0x8000, f16(-0.0f));
        assertEquals(0x0000, f16(Float.MIN_VALUE));
    }

    @Test
    void f16KeepsNaN() {
        for (int bits : new int[] {0x7FC00000, 0x7F800001, 0xFFC00000, 0x7FFFFFFF}) {
            int h = FloatFormats.floatToF16(Float.intBitsToFloat(bits)) & 0xffff;
            assertEquals(0x7C00, h & 0x7C00);
            assertTrue((h & 0x03FF) != 0, "NaN, not Inf, for " + Integer.toHexString(bits));
            assertTrue((h & 0x0200) != 0, "quiet");
            assertEquals(bits >>> 31, h >>> 15, "sign kept");
            assertTrue(Float.isNaN(FloatFormats.f16ToFloat((short) h)));
        }
    }

    @Test
    void f16DecodesEveryPatternAsDefined() {
        for (int h = 0; h < 0x10000; h++) {
            float f = FloatFormats.f16ToFloat((short) h);
            int exp = (h >>> 10) & 0x1f;
            int mant = h & 0x3ff;
            boolean negative = (h & 0x8000) != 0;
            if (exp == 0x1f) {
                assertTrue(mant == 0 ? Float.isInfinite(f) : Float.isNaN(f));
                continue;
            }
            assertEquals(negative, (Float.floatToRawIntBits(f) >>> 31) == 1, "sign of " + h);
            assertEquals(f16Value(h & 0x7fff), Math.abs((double) f), 0.0, "value of " + Integer.toHexString(h));
            assertEquals(h, f16(f), "f16 -> f32 -> f16 is the identity for " + Integer.toHexString(h));
        }
    }

    @Test
    void randomFloatsRoundLikeTheReference() {
        double[] f16Table = table(0x7C00, FloatFormatsTest::f16Value, 0x1p16);
        double[] bf16Table = table(0x7F80, FloatFormatsTest::bf16Value, 0x1p128);
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            int bits = random.nextInt();
            // Half the samples in fp16's range, where its rounding cases are.
            if (i % 2 == 0) {
                bits = (bits & 0x80000000) | (0x33000000 + random.nextInt(0x477ff000 - 0x33000000 + 0x00100000));
            }
            float f = Float.intBitsToFloat(bits);
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(nearest(f16Table, f, 0x8000), f16(f), "fp16 of " + Integer.toHexString(bits));
            assertEquals(nearest(bf16Table, f, 0x8000), bf16(bits), "bf16 of " + Integer.toHexString(bits));
        }
    }

    @Test
    void bulkMatchesScalar() {
        SplittableRandom random = new SplittableRandom(11);
        int n = 1000;
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = Float.intBitsToFloat(random.nextInt());
        }
        values[0] = Float.NaN;
        values[1] = 65520f;
        values[2] = 0x1p-25f;

        // A big-endian destination proves the 16-bit side is always written little-endian.
        ByteBuffer bf = ByteBuffer.allocate(2 + 2 * n).order(ByteOrder.BIG_ENDIAN);
        bf.position(2);
        FloatFormats.floatToBf16(FloatBuffer.wrap(values), bf, n);
        assertEquals(2 + 2 * n, bf.position());
        ByteBuffer hf = ByteBuffer.allocateDirect(2 * n);
        FloatFormats.floatToF16(FloatBuffer.wrap(values), hf, n);
        assertEquals(2 * n, hf.position());
        ByteBuffer le = bf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer hle = hf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            assertEquals(FloatFormats.floatToBf16(values[i]), le.getShort(2 + 2 * i));
            assertEquals(FloatFormats.floatToF16(values[i]), hle.getShort(2 * i));
        }

        bf.position(2);
        float[] back = new float[n + 1];
        FloatBuffer out = FloatBuffer.wrap(back);
        out.position(1);
        FloatFormats.bf16ToFloat(bf, out, n);
        assertEquals(n + 1, out.position());
        hf.flip();
        float[] backHalf = new float[n];
        FloatFormats.f16ToFloat(hf, FloatBuffer.wrap(backHalf), n);
        for (int i = 0; i < n; i++) {
            assertEquals(Float.floatToRawIntBits(FloatFormats.bf16ToFloat(le.getShort(2 + 2 * i))),
                    Float.floatToRawIntBits(back[i + 1]));
            assertEquals(Float.floatToRawIntBits(FloatFormats.f16ToFloat(hle.getShort(2 * i))),
                    Float.floatToRawIntBits(backHalf[i]));
        }
    }

    private static int bf16(int floatBits) {
        return FloatFormats.floatToBf16(Float.intBitsToFloat(floatBits)) & 0xffff;
    }

    private static int f16(float f) {
        return FloatFormats.floatToF16(f) & 0xffff;
    }

    // fp16 by its definition: 5 exponent bits, bias 15, 10 mantissa bits, subnormals at exponent 0.
    private static double f16Value(int h) {
        int e = h >>> 10;
        int m = h & 0x3ff;
        return e == 0 ? Math.scalb((double) m, -24) : Math.scalb(1 + m / 1024.0, e - 15);
    }

    // bf16 by its definition: 8 exponent bits, bias 127, 7 mantissa bits.
    private static double bf16Value(int h) {
        int e = h >>> 7;
        int m = h & 0x7f;
        return e == 0 ? Math.scalb((double) m, -133) : Math.scalb(1 + m / 128.0, e - 127);
    }

    // Magnitudes of all non-negative finite values, indexed by bit pattern, plus infinity's pattern standing at the
    // power of two just past the largest finite value (where rounding would carry it).
    private static double[] table(int infinity, java.util.function.IntToDoubleFunction decode, double pastMax) {
        double[] t = new double[infinity + 1];
        for (int h = 0; h < infinity; h++) {
            t[h] = decode.applyAsDouble(h);
        }
        t[infinity] = pastMax;
        return t;
    }

    // The pattern nearest |f|, ties to the even pattern; sign added back.
    private static int nearest(double[] table, float f, int signBit) {
        double a = Math.abs((double) f);
        int sign = (Float.floatToRawIntBits(f) >>> 31) == 1 ? signBit : 0;
        int last = table.length - 1;
        if (a >= table[last]) {
            return sign | last;
        }
        int i = Arrays.binarySearch(table, a);
        if (i >= 0) {
            return sign | i;
        }
        int hi = -i - 1;
        int lo = hi - 1;
        double dLo = a - table[lo];
        double dHi = table[hi] - a;
        int pick = dLo < dHi ? lo : dHi < dLo ? hi : (lo % 2 == 0 ? lo : hi);
        return sign | pick;
    }
}
