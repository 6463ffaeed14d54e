package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.io.FloatFormats;
import org.junit.jupiter.api.Test;

/** Packing existing codes: the bytes decode to exactly scale-times-code, and the encoders' own codes pack back. */
class GgmlCodesTest {

    @Test
    void q8_0CodesDecodeToScaleTimesCode() {
        byte[] codes = new byte[64];
        for (int i = 0; i < 64; i++) {
            codes[i] = (byte) (i * 5 - 160);
        }
        short[] scales = {FloatFormats.floatToF16(0.125f), FloatFormats.floatToF16(-3f)};
        float[] decoded = GgmlType.Q8_0.decode(GgmlCodes.packQ8_0(codes, scales), 0, 64);
        for (int i = 0; i < 64; i++) {
            assertEquals((i < 32 ? 0.125f : -3f) * codes[i], decoded[i]);
        }
    }

    @Test
    void q4_0CodesPackInTheSplitNibbleOrder() {
        byte[] codes = new byte[32];
        for (int i = 0; i < 32; i++) {
            codes[i] = (byte) (i % 16);
        }
        codes[16] = 9;
        byte[] packed = GgmlCodes.packQ4_0(codes, new short[] {FloatFormats.floatToF16(2f)});
        assertEquals(0x90, packed[2] & 0xff); // element 0 (code 0) low, element 16 (code 9) high
        float[] decoded = GgmlType.Q4_0.decode(packed, 0, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(2f * (codes[i] - 8), decoded[i]);
        }
    }

    @Test
    void q4_1CodesDecodeToScaleTimesCodePlusMin() {
        byte[] codes = new byte[32];
        for (int i = 0; i < 32; i++) {
            codes[i] = (byte) ((i * 3) % 16);
        }
        short[] scales = {FloatFormats.floatToF16(0.5f)};
        short[] mins = {FloatFormats.floatToF16(-1.5f)};
        float[] decoded = GgmlType.Q4_1.decode(GgmlCodes.packQ4_1(codes, scales, mins), 0, 32);
        for (int i = 0; i < 32; i++) {
            assertEquals(0.5f * codes[i] - 1.5f, decoded[i]);
        }
    }

    @Test
    void encodedBlocksRepackFromTheirOwnCodes() {
        float[] row = RandomRows.gaussian(80, 96);
        byte[] encoded = GgmlType.Q8_0.encode(row);
        byte[] codes = new byte[96];
        short[] scales = new short[3];
        for (int b = 0; b < 3; b++) {
            scales[b] = LittleEndian.getShort(encoded, 34 * b);
            System.arraycopy(encoded, 34 * b + 2, codes, 32 * b, 32);
        }
        assertArrayEquals(encoded, GgmlCodes.packQ8_0(codes, scales));
    }

    @Test
    void badCodesAndCountsAreRejectedWithTheirNumbers() {
        TopiaryException count = assertThrows(TopiaryException.class,
                () -> GgmlCodes.packQ8_0(new byte[40], new short[1]));
        assertTrue(count.getMessage().contains("40") && count.getMessage().contains("32"), count.getMessage());
        byte[] codes = new byte[32];
        codes[7] = 16;
        TopiaryException range = assertThrows(TopiaryException.class,
                () -> GgmlCodes.packQ4_0(codes, new short[1]));
        assertTrue(range.getMessage().contains("code 7 is 16"), range.getMessage());
        TopiaryException mins = assertThrows(TopiaryException.class,
                () -> GgmlCodes.packQ4_1(new byte[64], new short[2], new short[1]));
        assertTrue(mins.getMessage().contains("2 scales but 1 mins"), mins.getMessage());
    }
}
