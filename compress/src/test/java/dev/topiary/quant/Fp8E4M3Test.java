package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class Fp8E4M3Test {

    // Codes worked out by hand from the format: sign | exponent (bias 7) << 3 | mantissa.
    @Test
    void handChosenValuesEncodeToTheirCodes() {
        assertCode(0x00, 0f, 0f);
        assertCode(0x80, -0f, -0f);
        assertCode(0x38, 1f, 1f);              // 1.000 * 2^0: exponent field 7
        assertCode(0xB8, -1f, -1f);
        assertCode(0x7E, 448f, 448f);          // 1.110 * 2^8, the largest finite value
        assertCode(0x01, 0.001953125f, 0x1p-9f); // smallest subnormal 2^-9
        assertCode(0x08, 0x1p-6f, 0x1p-6f);    // smallest normal
        assertCode(0x07, 7 * 0x1p-9f, 7 * 0x1p-9f); // largest subnormal
        assertCode(0x77, 240f, 240f);          // 1.111 * 2^7
        assertCode(0x58, 17f, 16f);            // halfway between 16 and 18: ties to the even mantissa (16)
        assertCode(0x5A, 19f, 20f);            // halfway between 18 and 20: ties to 20 (mantissa 010)
        assertCode(0x7E, 500f, 448f);          // saturates
        assertCode(0xFE, -500f, -448f);
        assertCode(0x7E, 464f, 448f);          // halfway to 480 would be code 0x7F (NaN): saturates instead
        assertCode(0x7E, Float.POSITIVE_INFINITY, 448f);
        assertCode(0x00, 0x1p-10f, 0f);        // half the smallest subnormal: ties to even (zero)
        assertCode(0x02, 3 * 0x1p-10f, 0x1p-8f); // 1.5 subnormal steps: ties to 2
        assertCode(0x01, 0x1.01p-10f, 0x1p-9f); // just over half a step rounds up
    }

    @Test
    void nanEncodesToTheNanCode() {
        assertTrue(Fp8E4M3.isNaN(Fp8E4M3.encode(Float.NaN)));
        assertTrue(Float.isNaN(Fp8E4M3.decode((byte) 0x7F)));
        assertTrue(Float.isNaN(Fp8E4M3.decode((byte) 0xFF)));
    }

    @Test
    void everyCodeDecodesAndEncodesBack() {
        int finite = 0;
        for (int c = 0; c < 256; c++) {
            byte code = (byte) c;
            if (Fp8E4M3.isNaN(code)) {
                continue;
            }
            float v = Fp8E4M3.decode(code);
            assertTrue(Float.isFinite(v) && Math.abs(v) <= 448f, "code " + c + " decodes to " + v);
            assertEquals(c, Fp8E4M3.encode(v) & 0xFF, "code " + Integer.toHexString(c) + " value " + v);
            finite++;
        }
        assertEquals(254, finite);
    }

    @Test
    void decodingIsMonotoneInTheCode() {
        for (int c = 1; c < 0x7F; c++) {
            assertTrue(Fp8E4M3.decode((byte) c) > Fp8E4M3.decode((byte) (c - 1)), "code " + c);
        }
    }

    private static void assertCode(int code, float value, float decoded) {
        byte actual = Fp8E4M3.encode(value);
        assertEquals(code, actual & 0xFF, "encode(" + value + ")");
        assertEquals(Float.floatToIntBits(decoded), Float.floatToIntBits(Fp8E4M3.decode(actual)),
                "decode(encode(" + value + "))");
    }
}
