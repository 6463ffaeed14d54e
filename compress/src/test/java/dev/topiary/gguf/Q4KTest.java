package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * q4_K against its layout: fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins, 128 code bytes; element i of
 * sub-block s is d * sc[s] * q - dmin * m[s].
 */
class Q4KTest {

    private static final int[] SC = {1, 2, 3, 4, 33, 47, 63, 17};
    private static final int[] M = {5, 6, 7, 8, 40, 21, 63, 0};

    @Test
    void handBuiltSuperBlockDecodesThroughThePackedScalesMinsAndNibbleOrder() {
        byte[] block = new byte[144];
        block[1] = 0x38; // d = 0.5
        block[3] = 0x34; // dmin = 0.25
        // Bytes 0-3: sc[0..3] in the low 6 bits, top 2 bits of sc[4..7] (33, 47, 63, 17 >> 4 = 2, 2, 3, 1) above.
        int[] scaleBytes = {
            0x81, 0x82, 0xc3, 0x44,
            // Bytes 4-7: m[0..3] in the low 6 bits, top 2 bits of m[4..7] (40, 21, 63, 0 >> 4 = 2, 1, 3, 0) above.
            0x85, 0x46, 0xc7, 0x08,
            // Bytes 8-11: low nibble of sc[4..7] (1, 15, 15, 1), high nibble of m[4..7] (8, 5, 15, 0).
            0x81, 0x5f, 0xff, 0x01
        };
        for (int i = 0; i < 12; i++) {
            block[4 + i] = (byte) scaleBytes[i];
        }
        block[16] = 0x4b; // element 0 (sub-block 0) code 11; element 32 (sub-block 1) code 4
        block[16 + 32] = (byte) 0xf2; // element 64 (sub-block 2) code 2; element 96 (sub-block 3) code 15
        block[16 + 127] = (byte) 0x9c; // element 223 (sub-block 6) code 12; element 255 (sub-block 7) code 9

        float[] expected = new float[256];
        for (int e = 0; e < 256; e++) {
            expected[e] = 0.5f * SC[e / 32] * 0 - 0.25f * M[e / 32]; // code 0; +0 where m = 0, as in C
        }
        expected[0] = 0.5f * 1 * 11 - 0.25f * 5; // 4.25
        expected[32] = 0.5f * 2 * 4 - 0.25f * 6; // 2.5
        expected[64] = 0.5f * 3 * 2 - 0.25f * 7; // 1.25
        expected[96] = 0.5f * 4 * 15 - 0.25f * 8; // 28
        expected[223] = 0.5f * 63 * 12 - 0.25f * 63; // 362.25
        expected[255] = 0.5f * 17 * 9; // 76.5
        assertArrayEquals(expected, GgmlType.Q4_K.decode(block, 0, 256));
    }

    @Test
    void encodedScalesAndMinsAreSixBitValues() {
        byte[] block = GgmlType.Q4_K.encode(RandomRows.gaussian(12, 256));
        for (int s = 0; s < 8; s++) {
            int sc = Q4KCodec.scale(block, 4, s);
            int m = Q4KCodec.min(block, 4, s);
            assertTrue(sc >= 0 && sc <= 63 && m >= 0 && m <= 63, "sub-block " + s + ": " + sc + ", " + m);
        }
    }

    @Test
    void roundTripErrorIsWithinHalfAStepPlusTheSixBitRoundingOfScaleAndMin() {
        float[] row = RandomRows.gaussian(13, 256 * 16);
        float[] decoded = GgmlType.Q4_K.decode(GgmlType.Q4_K.encode(row), 0, row.length);
        for (int b = 0; b < row.length / 256; b++) {
            float[] scale = new float[8];
            float maxScale = 0f;
            float maxMin = 0f;
            for (int s = 0; s < 8; s++) {
                float lo = 0f;
                float hi = -Float.MAX_VALUE;
                for (int i = 0; i < 32; i++) {
                    lo = Math.min(lo, row[256 * b + 32 * s + i]);
                    hi = Math.max(hi, row[256 * b + 32 * s + i]);
                }
                scale[s] = (hi - lo) / 15;
                maxScale = Math.max(maxScale, scale[s]);
                maxMin = Math.max(maxMin, -lo);
            }
            float d = maxScale / 63;
            float dmin = maxMin / 63;
            for (int s = 0; s < 8; s++) {
                // The 6-bit scale is off by up to d/2 (15 codes of it at the top of the range) and the 6-bit min by
                // up to dmin/2; the bound doubles those to cover the fp16 rounding of d and dmin.
                double bound = scale[s] / 2 + 8 * d + dmin;
                for (int i = 0; i < 32; i++) {
                    int e = 256 * b + 32 * s + i;
                    double error = Math.abs(row[e] - decoded[e]);
                    assertTrue(error <= bound, "element " + e + ": error " + error + " > " + bound);
                }
            }
        }
    }

    @Test
    void encoderOutputDecodesToTheNearestLevelOfItsOwnGrid() {
        float[] row = RandomRows.gaussian(14, 256);
        byte[] block = GgmlType.Q4_K.encode(row);
        float[] decoded = GgmlType.Q4_K.decode(block, 0, 256);
        // Every sub-block's 16 levels, read from the same bytes by decoding a copy with each code forced.
        for (int s = 0; s < 8; s++) {
            for (int i = 0; i < 32; i++) {
                int e = 32 * s + i;
                float best = Float.MAX_VALUE;
                for (int q = 0; q < 16; q++) {
                    best = Math.min(best, Math.abs(row[e] - level(block, e, q)));
                }
                assertTrue(Math.abs(row[e] - decoded[e]) <= best * (1 + 1e-6f) + 1e-7f, "element " + e);
            }
        }
    }

    private static float level(byte[] block, int element, int code) {
        byte[] copy = block.clone();
        int index = 16 + element / 64 * 32 + element % 32;
        boolean high = element % 64 >= 32;
        copy[index] = (byte) (high ? (copy[index] & 0x0f) | code << 4 : (copy[index] & 0xf0) | code);
        return GgmlType.Q4_K.decode(copy, 0, 256)[element];
    }
}
