package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.io.FloatFormats;
import org.junit.jupiter.api.Test;

/** q4_0 against its layout: fp16 d, 16 bytes, element j low nibble and j + 16 high nibble, value = d * (q - 8). */
class Q4_0Test {

    @Test
    void elementsJAndJPlus16ShareByteJ() {
        byte[] block = new byte[18];
        block[1] = 0x3c; // d = 1.0
        block[2] = (byte) 0xa3; // element 0: 3 - 8 = -5; element 16: 10 - 8 = 2
        block[2 + 15] = (byte) 0x8f; // element 15: 15 - 8 = 7; element 31: 8 - 8 = 0
        for (int j = 1; j < 15; j++) {
            block[2 + j] = (byte) 0x88;
        }
        float[] decoded = GgmlType.Q4_0.decode(block, 0, 32);
        assertEquals(-5f, decoded[0]);
        assertEquals(2f, decoded[16]);
        assertEquals(7f, decoded[15]);
        assertEquals(0f, decoded[31]);
        for (int j = 1; j < 15; j++) {
            assertEquals(0f, decoded[j]);
            assertEquals(0f, decoded[j + 16]);
        }
    }

    @Test
    void encoderMapsTheSignedMaximumToCodeZeroAndClampsTheOppositeEnd() {
        float[] row = new float[32];
        row[5] = -4f; // largest magnitude, negative: d = -4 / -8 = 0.5
        row[6] = 4f; // 4 / 0.5 + 8.5 = 16.5 -> 16 -> clamped to 15, decodes to 3.5
        row[20] = 1.2f; // 2.4 + 8.5 = 10.9 -> 10, decodes to 1.0
        byte[] packed = GgmlType.Q4_0.encode(row);
        assertEquals(0x3800, LittleEndian.getShort(packed, 0) & 0xffff);
        float[] decoded = GgmlType.Q4_0.decode(packed, 0, 32);
        assertEquals(-4f, decoded[5]);
        assertEquals(3.5f, decoded[6]);
        assertEquals(1.0f, decoded[20]);
        assertEquals(0f, decoded[0]); // 0 * 2 + 8.5 -> 8, the zero code
    }

    @Test
    void roundTripErrorIsWithinHalfAStepBelowTheClampedTopCode() {
        float[] row = RandomRows.gaussian(40, 32 * 64);
        float[] decoded = GgmlType.Q4_0.decode(GgmlType.Q4_0.encode(row), 0, row.length);
        for (int b = 0; b < row.length / 32; b++) {
            float max = 0f;
            for (int j = 0; j < 32; j++) {
                if (Math.abs(row[32 * b + j]) > Math.abs(max)) {
                    max = row[32 * b + j];
                }
            }
            float d = max / -8f;
            float stored = FloatFormats.f16ToFloat(FloatFormats.floatToF16(d));
            double fp16Error = 8 * Math.abs(stored - d) + 1e-6 * Math.abs(max);
            for (int j = 0; j < 32; j++) {
                float x = row[32 * b + j];
                double error = Math.abs(x - decoded[32 * b + j]);
                // Levels run from -8d to 7d: beyond 7.5 steps toward -max the code clamps at 15 (error up to a step).
                double bound = (x / d > 7.5 ? Math.abs(d) : Math.abs(d) / 2) + fp16Error;
                assertTrue(error <= bound, "block " + b + " element " + j + ": error " + error + " > " + bound);
            }
        }
    }
}
