package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Precision;
import dev.topiary.TopiaryException;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.KQuantGrid;
import dev.topiary.io.FloatFormats;
import dev.topiary.llama.LlamaPresets;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The q4_k and q6_k schemes: their ids parse back; every weight lies within half a step of its value (the step read
 * from the stored fields: d times the sub-block's scale); their round-to-nearest codes are the bytes GGUF's own q4_K
 * and q6_K encoders write for the same rows, and decoding those bytes gives the tensor's values bit for bit.
 */
class KQuantSchemeTest {

    private static final int ROWS = 6;
    private static final int COLUMNS = 512;

    static Stream<QuantScheme> schemes() {
        return Stream.of(QuantScheme.q4_k(), QuantScheme.q6_k());
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void everyWeightIsWithinHalfAStepOfItsValue(QuantScheme scheme) {
        assertEquals(scheme, QuantScheme.of(scheme.id(), 0));
        assertEquals(scheme.id(), scheme.ggmlType().orElseThrow().ggmlName());
        KQuantGrid grid = ((QuantScheme.KQuantSuperBlock) scheme).grid();
        float[] w = weightsWithOffsets();
        QuantizedTensor q = quantize(w, scheme);
        float[] fields = q.scales();
        float[] values = q.dequantizeToFloats();
        int subBlock = grid == KQuantGrid.Q4_K ? 32 : 16;
        for (int r = 0; r < ROWS; r++) {
            for (int c = 0; c < COLUMNS; c++) {
                int at = scheme.scaleIndex(r, c, COLUMNS);
                float d = fields[at];
                assertEquals(d, FloatFormats.f16ToFloat(FloatFormats.floatToF16(d)), "d is an fp16 value");
                float step = d * fields[at + (grid == KQuantGrid.Q4_K ? 2 : 1) + c % 256 / subBlock];
                float error = Math.abs(values[r * COLUMNS + c] - w[r * COLUMNS + c]);
                assertTrue(error <= step * 0.5f * (1 + 1e-5f) + 1e-7f,
                        scheme + " at " + r + "," + c + ": error " + error + ", step " + step);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void roundToNearestCodesAreGgufsOwnEncodingAndDecodeToTheTensorsValues(QuantScheme scheme) {
        GgmlType type = scheme.ggmlType().orElseThrow();
        float[] w = weightsWithOffsets();
        QuantizedTensor q = quantize(w, scheme);
        byte[] blocks = q.ggmlBlocks();
        int rowBytes = (int) type.rowBytes(COLUMNS);
        for (int r = 0; r < ROWS; r++) {
            byte[] expected = type.encode(Arrays.copyOfRange(w, r * COLUMNS, (r + 1) * COLUMNS));
            assertArrayEquals(expected, Arrays.copyOfRange(blocks, r * rowBytes, (r + 1) * rowBytes), "row " + r);
        }
        float[] decoded = type.decode(blocks, 0, ROWS * COLUMNS);
        float[] values = q.dequantizeToFloats();
        for (int i = 0; i < values.length; i++) {
            assertEquals(Float.floatToIntBits(values[i]), Float.floatToIntBits(decoded[i]), "weight " + i);
        }
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void aModelWhoseInputsAreNotWholeSuperBlocksIsRefusedNamingTheThirtyTwoElementNeighbour(QuantScheme scheme) {
        // The embedded teacher: FFN 896 = 3.5 super-blocks.
        TopiaryException e = assertThrows(TopiaryException.class, () -> scheme.checkFits(LlamaPresets.tiny()));
        String neighbour = scheme.equals(QuantScheme.q4_k()) ? "QuantScheme.q4_1()" : "QuantScheme.q8_0()";
        assertTrue(e.getMessage().contains("groups of 256") && e.getMessage().contains("ffn 896")
                && e.getMessage().endsWith("e.g. " + neighbour), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void fieldsGgufCannotStoreAreRefusedWhenPacking(QuantScheme scheme) {
        QuantizedTensor q = quantize(weightsWithOffsets(), scheme);
        float[] fields = q.scales();
        fields[0] = 0.1f; // not an fp16 value
        TopiaryException e = assertThrows(TopiaryException.class,
                () -> scheme.ggmlBlocks(q.data(), fields, ROWS, COLUMNS));
        assertTrue(e.getMessage().contains("not an fp16 value"), e.getMessage());
        float[] fractional = q.scales();
        fractional[1 + (scheme.equals(QuantScheme.q4_k()) ? 1 : 0)] = 2.5f;
        e = assertThrows(TopiaryException.class, () -> scheme.ggmlBlocks(q.data(), fractional, ROWS, COLUMNS));
        assertTrue(e.getMessage().contains("expected a whole number"), e.getMessage());
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void eachBelongsToTheFamilyOfItsCodes(QuantScheme scheme) {
        assertEquals(scheme.equals(QuantScheme.q4_k()) ? Precision.INT4 : Precision.INT6, Precision.of(scheme));
    }

    private static QuantizedTensor quantize(float[] w, QuantScheme scheme) {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            return QuantizedTensor.quantize(manager.create(w, new Shape(ROWS, COLUMNS)), scheme);
        }
    }

    // Gaussian weights, each 32-column stretch shifted by its own offset and scaled by its own spread, so that
    // sub-blocks need different scales and mins (some all-positive, some all-negative).
    private static float[] weightsWithOffsets() {
        float[] w = QuantizedTensorTest.weights(ROWS, COLUMNS, 21);
        for (int i = 0; i < w.length; i++) {
            int stretch = i / 32;
            w[i] = w[i] * (1 + stretch % 5) + (stretch % 3 - 1) * 0.2f;
        }
        return w;
    }
}
