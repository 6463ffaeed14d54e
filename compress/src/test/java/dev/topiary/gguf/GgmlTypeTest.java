package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import org.junit.jupiter.api.Test;

/** Checks each type's ggml facts, name parsing, row sizes and the float formats against their definitions. */
class GgmlTypeTest {

    @Test
    void typesCarryGgmlIdsBlockGeometryAndNames() {
        assertType(GgmlType.F32, 0, 1, 4, "f32", 32.0);
        assertType(GgmlType.F16, 1, 1, 2, "f16", 16.0);
        assertType(GgmlType.Q4_0, 2, 32, 18, "q4_0", 4.5);
        assertType(GgmlType.Q4_1, 3, 32, 20, "q4_1", 5.0);
        assertType(GgmlType.Q8_0, 8, 32, 34, "q8_0", 8.5);
        assertType(GgmlType.Q4_K, 12, 256, 144, "q4_k", 4.5);
        assertType(GgmlType.Q6_K, 14, 256, 210, "q6_k", 6.5625);
    }

    @Test
    void parseIgnoresCaseAndListsValidNamesOnError() {
        assertEquals(GgmlType.Q4_K, GgmlType.parse("Q4_K"));
        assertEquals(GgmlType.Q8_0, GgmlType.parse("q8_0"));
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgmlType.parse("q5_k"));
        assertTrue(e.getMessage().contains("'q5_k'"), e.getMessage());
        for (GgmlType type : GgmlType.values()) {
            assertTrue(e.getMessage().contains(type.ggmlName()), e.getMessage());
        }
    }

    @Test
    void fromIdFindsEachTypeAndRejectsOthers() {
        for (GgmlType type : GgmlType.values()) {
            assertEquals(type, GgmlType.fromId(type.id()));
        }
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgmlType.fromId(6));
        assertTrue(e.getMessage().contains("6"), e.getMessage());
    }

    @Test
    void rowBytesCountsWholeBlocksAndNamesBothNumbersOnError() {
        assertEquals(288, GgmlType.Q4_K.rowBytes(512));
        assertEquals(18 * 4, GgmlType.Q4_0.rowBytes(128));
        assertEquals(2 * 7, GgmlType.F16.rowBytes(7));
        assertEquals(0, GgmlType.Q6_K.rowBytes(0));
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgmlType.Q4_K.rowBytes(100));
        assertTrue(e.getMessage().contains("100") && e.getMessage().contains("256"), e.getMessage());
        assertThrows(TopiaryException.class, () -> GgmlType.Q8_0.encode(new float[33]));
    }

    @Test
    void decodeRejectsTooFewBytes() {
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgmlType.Q8_0.decode(new byte[40], 10, 32));
        assertTrue(e.getMessage().contains("34") && e.getMessage().contains("40"), e.getMessage());
    }

    @Test
    void quantizedEncodersRejectNonFiniteValues() {
        float[] row = new float[32];
        row[3] = Float.NaN;
        TopiaryException e = assertThrows(TopiaryException.class, () -> GgmlType.Q4_1.encode(row));
        assertTrue(e.getMessage().contains("element 3"), e.getMessage());
    }

    @Test
    void f32IsLittleEndianIeeeBitsIncludingNaN() {
        float nan = Float.intBitsToFloat(0x7fc01234);
        byte[] packed = GgmlType.F32.encode(new float[] {1.0f, nan});
        assertArrayEquals(new byte[] {0, 0, (byte) 0x80, 0x3f, 0x34, 0x12, (byte) 0xc0, 0x7f}, packed);
        float[] decoded = GgmlType.F32.decode(packed, 0, 2);
        assertEquals(1.0f, decoded[0]);
        assertEquals(0x7fc01234, Float.floatToRawIntBits(decoded[1]));
    }

    @Test
    void f16IsLittleEndianHalfRoundedToNearest() {
        // 1.0 is 0x3c00; -2.0 is 0xc000; 1 + 2^-11 is the tie between 1.0 and 1 + 2^-10 and goes to even, 1.0.
        byte[] packed = GgmlType.F16.encode(new float[] {1.0f, -2.0f, 1.0f + 0x1p-11f});
        assertArrayEquals(new byte[] {0, 0x3c, 0, (byte) 0xc0, 0, 0x3c}, packed);
        assertArrayEquals(new float[] {1.0f, -2.0f, 1.0f}, GgmlType.F16.decode(packed, 0, 3));
    }

    private static void assertType(GgmlType type, int id, int blockSize, int bytes, String name, double bits) {
        assertEquals(id, type.id());
        assertEquals(blockSize, type.blockSize());
        assertEquals(bytes, type.bytesPerBlock());
        assertEquals(name, type.ggmlName());
        assertEquals(bits, type.bitsPerWeight(), 0.0);
    }
}
