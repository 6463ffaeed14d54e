package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.TensorDType;
import org.junit.jupiter.api.Test;

/** Each scheme's packed layout for a weight [6, 64], and the fields it describes itself with in a checkpoint. */
class QuantSchemeTest {

    @Test
    void int8StoresOneSignedByteAndOneScalePerRow() {
        QuantScheme s = QuantScheme.INT8;
        assertEquals(0, s.groupSize());
        assertEquals(TensorDType.I8, s.codeType());
        assertEquals(384, s.dataBytes(6, 64));
        assertArrayEquals(new long[] {6}, s.scaleShape(6, 64));
        assertEquals(0, s.zeroCount(6, 64));
        assertEquals(4, s.scaleIndex(4, 63, 64));
        assertEquals("{\"group_size\":-1,\"sym\":true,\"packing\":\"one signed byte per weight; value = code *"
                + " scale[row]\"}", describe(s));
    }

    @Test
    void int4PacksTwoCodesPerByteWithAScaleAndZeroPointPerGroup() {
        QuantScheme s = QuantScheme.int4(16);
        assertEquals(16, s.groupSize());
        assertEquals(TensorDType.U8, s.codeType());
        assertEquals(192, s.dataBytes(6, 64));
        assertArrayEquals(new long[] {6, 4}, s.scaleShape(6, 64));
        assertEquals(24, s.zeroCount(6, 64));
        assertEquals(4 * 4 + 3, s.scaleIndex(4, 63, 64));
        assertEquals("{\"group_size\":16,\"sym\":false,\"packing\":\"two 4-bit codes per byte, low nibble first;"
                + " value = (code - zero) * scale\"}", describe(s));
    }

    @Test
    void fp8StoresOneByteAndOneScalePerTensor() {
        QuantScheme s = QuantScheme.FP8_E4M3;
        assertEquals(0, s.groupSize());
        assertEquals(TensorDType.U8, s.codeType());
        assertEquals(384, s.dataBytes(6, 64));
        assertArrayEquals(new long[] {1}, s.scaleShape(6, 64));
        assertEquals(0, s.zeroCount(6, 64));
        assertEquals(0, s.scaleIndex(4, 63, 64));
        assertEquals("{\"fmt\":\"e4m3fn\",\"packing\":\"one E4M3 byte per weight; value = decode(code) * scale\"}",
                describe(s));
    }

    @Test
    void storeWritesTheCodeWhoseValueItReturns() {
        for (QuantScheme s : new QuantScheme[] {QuantScheme.INT8, QuantScheme.int4(2), QuantScheme.FP8_E4M3}) {
            byte[] data = new byte[s.dataBytes(1, 2)];
            float[] scales = new float[s.scaleCount(1, 2)];
            byte[] zeros = new byte[s.zeroCount(1, 2)];
            float[] w = {-0.3f, 0.7f};
            s.fitScales(w, 1, 2, scales, zeros);
            for (int i = 0; i < 2; i++) {
                float stored = s.store(w[i], data, i, scales, zeros, s.scaleIndex(0, i, 2));
                assertEquals(stored, s.value(data, i, scales, zeros, s.scaleIndex(0, i, 2)), s.toString());
                assertEquals(w[i], stored, 0.05f, s.toString());
            }
        }
    }

    private static String describe(QuantScheme s) {
        ObjectNode json = new ObjectMapper().createObjectNode();
        s.describe(json);
        return json.toString();
    }
}
