package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * q6_K against its layout: 128 bytes ql, 64 bytes qh, 16 int8 scales, fp16 d; element e is
 * d * scale[e / 16] * (q - 32).
 */
class Q6KTest {

    @Test
    void handBuiltSuperBlockDecodesThroughTheLowAndHighBitPlanes() {
        byte[] block = new byte[210];
        block[209] = 0x38; // d = 0.5 at bytes 208-209
        for (int s = 0; s < 16; s++) {
            block[192 + s] = (byte) (s - 8); // scales -8..7, the negative ones as two's complement
        }
        // First half. ql[0]: element 0 low bits 1, element 64 low bits 2. ql[32]: element 32 low 3, element 96 low 4.
        block[0] = 0x21;
        block[32] = 0x43;
        // qh[0] = 0b11_10_01_00: high bits 0 (element 0), 1 (element 32), 2 (element 64), 3 (element 96).
        block[128] = (byte) 0xe4;
        // Second half (ql from 64, qh from 160). ql[64 + 5]: element 133 low 0, element 197 low 15.
        block[64 + 5] = (byte) 0xf0;
        // qh[160 + 5] = 0b00_00_11_00: element 165 high bits 3, the others 0.
        block[128 + 32 + 5] = 0x0c;

        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            expected[e] = 0.5f * (e / 16 - 8) * -32; // code 0
        }
        expected[0] = 0.5f * -8 * (1 - 32); // 124
        expected[32] = 0.5f * -6 * (19 - 32); // 39
        expected[64] = 0.5f * -4 * (34 - 32); // -4
        expected[96] = 0.5f * -2 * (52 - 32); // -20
        // element 133 has scale 0: 0.5 * 0 * -32 is -0, as C computes it, which the default above already is
        expected[165] = 0.5f * 2 * (48 - 32); // 16
        expected[197] = 0.5f * 4 * (15 - 32); // -34
        expected[229] = 0.5f * 6 * -32; // -96
        assertArrayEquals(expected, GgmlType.Q6_K.decode(block, 0, 256));
    }

    @Test
    void roundTripErrorIsWithinHalfAStepPlusTheScaleRounding() {
        float[] row = RandomRows.gaussian(15, 256 * 16);
        float[] decoded = GgmlType.Q6_K.decode(GgmlType.Q6_K.encode(row), 0, row.length);
        for (int b = 0; b < row.length / 256; b++) {
            float[] scale = new float[16];
            float maxScale = 0f;
            for (int s = 0; s < 16; s++) {
                float absMax = 0f;
                for (int i = 0; i < 16; i++) {
                    absMax = Math.max(absMax, Math.abs(row[256 * b + 16 * s + i]));
                }
                scale[s] = absMax / 31;
                maxScale = Math.max(maxScale, scale[s]);
            }
            float d = maxScale / 127;
            for (int s = 0; s < 16; s++) {
                // The 8-bit scale is off by up to d/2, which over 31 levels moves the largest one by 15.5 d; the
                // bound rounds that up to cover the fp16 rounding of d.
                double bound = scale[s] / 2 + 16 * d;
                for (int i = 0; i < 16; i++) {
                    int e = 256 * b + 16 * s + i;
                    double error = Math.abs(row[e] - decoded[e]);
                    assertTrue(error <= bound, "element " + e + ": error " + error + " > " + bound);
                }
            }
        }
    }

    @Test
    void everyElementKeepsItsOwnCodeThroughTheBitPlanes() {
        // Integers -31..31 with 31 in every sub-block: each scale is 1, so d = 1/127 rounded up to an fp16, each
        // stored scale is 127 and the step is 1 within 2^-10. Every code then decodes within 31 * 2^-10 of its
        // integer, while a code in the wrong place would be off by at least 1. The shifts move each value through many positions.
        for (int shift = 0; shift < 63; shift += 5) {
            float[] row = new float[256];
            for (int e = 0; e < 256; e++) {
                row[e] = (e * 5 + shift) % 63 - 31;
            }
            for (int s = 0; s < 16; s++) {
                row[16 * s + (s + shift) % 16] = 31;
            }
            float[] decoded = GgmlType.Q6_K.decode(GgmlType.Q6_K.encode(row), 0, 256);
            for (int e = 0; e < 256; e++) {
                assertTrue(Math.abs(row[e] - decoded[e]) <= 31 * 0x1p-10f, "shift " + shift + " element " + e
                        + ": " + row[e] + " decoded as " + decoded[e]);
            }
        }
    }
}
