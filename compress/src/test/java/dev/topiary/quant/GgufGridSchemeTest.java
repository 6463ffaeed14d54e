package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.io.FloatFormats;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The schemes whose grids are GGUF's: parsed from their ids, every scale (and q4_1 min) exactly an fp16 value, and
 * round-to-nearest within half a step of every weight for q8_0 and q4_1 (each block's range is covered), within a
 * step for q4_0 (as ggml's, its grid reaches -8 steps toward the block's largest magnitude but only 7 away from it,
 * so the other side clips by up to one step).
 */
class GgufGridSchemeTest {

    static Stream<QuantScheme> schemes() {
        return Stream.of(QuantScheme.q8_0(), QuantScheme.q4_0(), QuantScheme.q4_1());
    }

    @ParameterizedTest
    @MethodSource("schemes")
    void idsParseBackAndScalesAreExactlyFp16(QuantScheme scheme) {
        assertEquals(scheme, QuantScheme.of(scheme.id(), 0));
        assertEquals(scheme.id(), scheme.ggmlType().orElseThrow().ggmlName());
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            float[] w = new float[8 * 96];
            Random random = new Random(3);
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) random.nextGaussian() * 0.05f;
            }
            NDArray weight = manager.create(w, new Shape(8, 96));
            QuantizedTensor q = QuantizedTensor.quantize(weight, scheme);
            float[] scales = q.scales();
            for (float s : scales) {
                assertEquals(s, FloatFormats.f16ToFloat(FloatFormats.floatToF16(s)), "fp16 exact: " + s);
            }
            float[] values = q.dequantizeToFloats();
            float steps = scheme.equals(QuantScheme.q4_0()) ? 1f : 0.5f;
            for (int r = 0; r < 8; r++) {
                for (int c = 0; c < 96; c++) {
                    float step = Math.abs(q.scaleAt(r, c));
                    float error = Math.abs(values[r * 96 + c] - w[r * 96 + c]);
                    // Plus the fp16 rounding (2^-11 relative) of the scale and min, over a block about 16 steps wide.
                    assertTrue(error <= step * (steps + 16f / 2048),
                            scheme + " at " + r + "," + c + ": error " + error + ", step " + step);
                }
            }
        }
    }
}
