package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.io.FloatFormats;
import org.junit.jupiter.api.Test;

/** q4_1 against its layout: fp16 d, fp16 m, 16 nibble bytes as q4_0, value = d * q + m. */
class Q4_1Test {

    @Test
    void handBuiltBlockDecodesToScaleTimesCodePlusMin() {
        byte[] block = new byte[20];
        block[1] = 0x34; // d = 0.25 is fp16 0x3400
        block[3] = (byte) 0xbc; // m = -1.0 is fp16 0xbc00
        block[4] = (byte) 0xf0; // element 0: code 0 -> -1.0; element 16: code 15 -> 2.75
        block[4 + 3] = 0x45; // element 3: code 5 -> 0.25; element 19: code 4 -> 0.0
        float[] decoded = GgmlType.Q4_1.decode(block, 0, 32);
        assertEquals(-1.0f, decoded[0]);
        assertEquals(2.75f, decoded[16]);
        assertEquals(0.25f, decoded[3]);
        assertEquals(0.0f, decoded[19]);
        assertEquals(-1.0f, decoded[1]);
    }

    @Test
    void encoderSpansTheBlockFromMinToMax() {
        float[] row = new float[32];
        for (int j = 0; j < 32; j++) {
            row[j] = -1f + 0.25f * (j % 16); // min -1, max 2.75: d = 0.25 exactly, every value on the grid
        }
        float[] decoded = GgmlType.Q4_1.decode(GgmlType.Q4_1.encode(row), 0, 32);
        for (int j = 0; j < 32; j++) {
            assertEquals(row[j], decoded[j]);
        }
    }

    @Test
    void roundTripErrorIsWithinHalfAStep() {
        float[] row = RandomRows.gaussian(41, 32 * 64);
        float[] decoded = GgmlType.Q4_1.decode(GgmlType.Q4_1.encode(row), 0, row.length);
        for (int b = 0; b < row.length / 32; b++) {
            float min = Float.MAX_VALUE;
            float max = -Float.MAX_VALUE;
            for (int j = 0; j < 32; j++) {
                min = Math.min(min, row[32 * b + j]);
                max = Math.max(max, row[32 * b + j]);
            }
            float d = (max - min) / 15f;
            float storedD = FloatFormats.f16ToFloat(FloatFormats.floatToF16(d));
            float storedMin = FloatFormats.f16ToFloat(FloatFormats.floatToF16(min));
            // Half a step, plus the fp16 rounding of d (times up to 15 codes) and of the min.
            double bound = d / 2 + 15 * Math.abs(storedD - d) + Math.abs(storedMin - min) + 1e-6 * (max - min);
            for (int j = 0; j < 32; j++) {
                double error = Math.abs(row[32 * b + j] - decoded[32 * b + j]);
                assertTrue(error <= bound, "block " + b + " element " + j + ": error " + error + " > " + bound);
            }
        }
    }
}
