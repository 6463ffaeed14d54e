package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.io.FloatFormats;
import org.junit.jupiter.api.Test;

/** q8_0 against its layout: fp16 d, then 32 int8 codes, value = d * q. */
class Q8_0Test {

    @Test
    void handBuiltBlockDecodesToScaleTimesCode() {
        byte[] block = new byte[34];
        block[0] = 0x00; // d = 0.5 is fp16 0x3800, little-endian
        block[1] = 0x38;
        for (int j = 0; j < 32; j++) {
            block[2 + j] = (byte) (j - 16);
        }
        block[2 + 31] = (byte) 0x80; // -128
        float[] decoded = GgmlType.Q8_0.decode(block, 0, 32);
        for (int j = 0; j < 31; j++) {
            assertEquals((j - 16) * 0.5f, decoded[j]);
        }
        assertEquals(-64f, decoded[31]);
    }

    @Test
    void encoderRoundsHalvesAwayFromZeroAsTheReference() {
        float[] row = new float[32];
        row[0] = 127f; // max |x| = 127, so d = 1 exactly
        row[1] = 2.5f;
        row[2] = -2.5f;
        row[3] = 0.49f;
        byte[] packed = GgmlType.Q8_0.encode(row);
        assertEquals(0x3c00, LittleEndian.getShort(packed, 0) & 0xffff);
        assertEquals(127, packed[2]);
        assertEquals(3, packed[3]);
        assertEquals(-3, packed[4]);
        assertEquals(0, packed[5]);
    }

    @Test
    void roundTripErrorIsWithinHalfAStep() {
        float[] row = RandomRows.gaussian(8, 32 * 64);
        byte[] packed = GgmlType.Q8_0.encode(row);
        float[] decoded = GgmlType.Q8_0.decode(packed, 0, row.length);
        for (int b = 0; b < row.length / 32; b++) {
            float absMax = 0f;
            for (int j = 0; j < 32; j++) {
                absMax = Math.max(absMax, Math.abs(row[32 * b + j]));
            }
            float d = absMax / 127f;
            float stored = FloatFormats.f16ToFloat(FloatFormats.floatToF16(d));
            // Codes are rounded against d but decoded with the fp16 d: at most 127 codes of that rounding error.
            double bound = stored / 2 + 127 * Math.abs(stored - d) + 1e-6 * absMax;
            for (int j = 0; j < 32; j++) {
                double error = Math.abs(row[32 * b + j] - decoded[32 * b + j]);
                assertTrue(error <= bound, "block " + b + " element " + j + ": error " + error + " > " + bound);
            }
        }
    }

    @Test
    void allZeroBlockEncodesToZeros() {
        assertArrayEquals(new byte[34], GgmlType.Q8_0.encode(new float[32]));
    }
}
