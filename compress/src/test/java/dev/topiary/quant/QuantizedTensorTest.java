package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class QuantizedTensorTest {

    // Slack for fp32 rounding in w / scale and code * scale: a few ulps of the scale.
    private static final double SLACK = 1e-6;

    private static NDManager manager;

    @BeforeAll
    static void start() {
        manager = Engines.engine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    /** Gaussian rows of very different magnitudes, with some groups all positive and one row all zero. */
    static float[] weights(int rows, int columns, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] w = new float[rows * columns];
        for (int r = 1; r < rows; r++) {
            double magnitude = Math.pow(10, random.nextDouble(-3, 1));
            double offset = r % 3 == 0 ? 3 * magnitude : 0;
            for (int c = 0; c < columns; c++) {
                w[r * columns + c] = (float) (offset + magnitude * random.nextGaussian());
            }
        }
        return w;
    }

    @Test
    void int8ErrorIsAtMostHalfTheRowScale() {
        int rows = 12;
        int columns = 300;
        float[] w = weights(rows, columns, 1);
        QuantizedTensor q = QuantizedTensor.quantize(manager.create(w, new Shape(rows, columns)), QuantScheme.INT8);
        float[] back = q.dequantizeToFloats();
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int c = 0; c < columns; c++) {
                max = Math.max(max, Math.abs(w[r * columns + c]));
            }
            float scale = q.scales()[r];
            assertEquals(max > 0 ? max / 127 : 1f, scale, "scale of row " + r);
            for (int c = 0; c < columns; c++) {
                double err = Math.abs(w[r * columns + c] - back[r * columns + c]);
                assertTrue(err <= scale / 2 * (1 + SLACK), "row " + r + " col " + c + ": error " + err);
                int code = q.data()[r * columns + c];
                assertTrue(code >= -127 && code <= 127);
            }
        }
        assertEquals(0, q.zeros().length);
    }

    @Test
    void int4ErrorIsAtMostHalfTheGroupScale() {
        int rows = 9;
        int columns = 256;
        float[] w = weights(rows, columns, 2);
        QuantizedTensor q = QuantizedTensor.quantize(manager.create(w, new Shape(rows, columns)), QuantScheme.INT4);
        assertEquals(rows * 2, q.scales().length);
        float[] back = q.dequantizeToFloats();
        for (int r = 0; r < rows; r++) {
            for (int g = 0; g < 2; g++) {
                float min = 0;
                float max = 0;
                for (int c = g * 128; c < (g + 1) * 128; c++) {
                    min = Math.min(min, w[r * columns + c]);
                    max = Math.max(max, w[r * columns + c]);
                }
                float scale = q.scaleAt(r, g * 128);
                // The range always includes zero (as GPTQ's quantizer does), so zero is exactly representable.
                assertEquals(max > min ? (max - min) / 15 : 1f, scale, "scale of row " + r + " group " + g);
                int zero = q.zeros()[r * 2 + g];
                assertTrue(zero >= 0 && zero <= 15);
                for (int c = g * 128; c < (g + 1) * 128; c++) {
                    double err = Math.abs(w[r * columns + c] - back[r * columns + c]);
                    assertTrue(err <= scale / 2 * (1 + SLACK) + 1e-7 * Math.abs(w[r * columns + c]),
                            "row " + r + " col " + c + ": error " + err + " scale " + scale);
                }
            }
        }
    }

    @Test
    void fp8ErrorIsHalfAUnitInTheLastPlace() {
        int rows = 8;
        int columns = 100;
        float[] w = weights(rows, columns, 3);
        QuantizedTensor q = QuantizedTensor.quantize(manager.create(w, new Shape(rows, columns)),
                QuantScheme.FP8_E4M3);
        float max = 0;
        for (float v : w) {
            max = Math.max(max, Math.abs(v));
        }
        float scale = q.scales()[0];
        assertEquals(max / 448, scale);
        float[] back = q.dequantizeToFloats();
        for (int i = 0; i < w.length; i++) {
            // Three mantissa bits: half an ulp is at most 2^-4 of the value for normals, 2^-10 below 2^-6.
            double err = Math.abs(w[i] - back[i]);
            assertTrue(err <= Math.max(Math.abs(w[i]) * 0x1p-4, 0x1p-10 * scale) * (1 + SLACK),
                    "index " + i + ": " + w[i] + " -> " + back[i]);
        }
    }

    @Test
    void int4CodesArePackedLowNibbleFirst() {
        assertArrayEquals(new byte[] {0x21, (byte) 0xF0, 0x0F, (byte) 0xA5}, Nibbles.pack(new int[] {1, 2, 0, 15, 15,
                0, 5, 10}));
        int[] pattern = {0, 15, 1, 14, 7, 8, 3, 12, 15, 15, 0, 0};
        assertArrayEquals(pattern, Nibbles.unpack(Nibbles.pack(pattern)));
        for (int i = 0; i < pattern.length; i++) {
            assertEquals(pattern[i], Nibbles.get(Nibbles.pack(pattern), i));
        }
        assertThrows(IllegalArgumentException.class, () -> Nibbles.pack(new int[] {16, 0}));
    }

    // A weight worked by hand with groups of 2: [0, 1] has range [0, 1], scale 1/15, zero 0, codes 0 and 15;
    // [0.5, -1] has range [-1, 0.5], scale 0.1, zero 10, codes 15 and 0.
    @Test
    void int4TensorHoldsTheHandComputedBytes() {
        NDArray w = manager.create(new float[] {0f, 1f, 0.5f, -1f}, new Shape(1, 4));
        QuantizedTensor q = QuantizedTensor.quantize(w, QuantScheme.int4(2));
        assertArrayEquals(new byte[] {(byte) 0xF0, 0x0F}, q.data());
        assertArrayEquals(new byte[] {0, 10}, q.zeros());
        assertArrayEquals(new float[] {1f / 15, 1.5f / 15}, q.scales());
        assertArrayEquals(new float[] {0f, 15 * (1f / 15), 5 * (1.5f / 15), -10 * (1.5f / 15)},
                q.dequantizeToFloats(), 0f);
    }

    @Test
    void storedBytesAreTheRealPackedSize() {
        NDArray w = manager.create(weights(256, 256, 4), new Shape(256, 256));
        // INT4: 65536 codes in 32768 bytes, 256 rows x 2 groups of fp32 scales and one-byte zero points.
        assertEquals(32768 + 256 * 2 * 4 + 256 * 2, QuantizedTensor.quantize(w, QuantScheme.INT4).storedBytes());
        assertEquals(65536 + 256 * 4, QuantizedTensor.quantize(w, QuantScheme.INT8).storedBytes());
        assertEquals(65536 + 4, QuantizedTensor.quantize(w, QuantScheme.FP8_E4M3).storedBytes());
        assertEquals(32768, QuantizedTensor.quantize(w, QuantScheme.INT4).data().length);
    }

    @Test
    void dequantizedArrayHoldsTheJavaValues() {
        float[] w = weights(6, 128, 5);
        for (QuantScheme scheme : new QuantScheme[] {QuantScheme.INT8, QuantScheme.INT4, QuantScheme.FP8_E4M3}) {
            QuantizedTensor q = QuantizedTensor.quantize(manager.create(w, new Shape(6, 128)), scheme);
            try (NDArray back = q.dequantize(manager)) {
                assertEquals(new Shape(6, 128), back.getShape());
                assertArrayEquals(q.dequantizeToFloats(), back.toFloatArray(), scheme.toString());
            }
        }
    }

    @Test
    void unquantizableWeightsAreRejectedWithTheirShape() {
        TopiaryException e = assertThrows(TopiaryException.class, () -> QuantizedTensor.quantize(
                manager.zeros(new Shape(4, 100)), QuantScheme.INT4));
        assertTrue(e.getMessage().contains("[4, 100]") && e.getMessage().contains("group size 128"), e.getMessage());
        e = assertThrows(TopiaryException.class, () -> QuantizedTensor.quantize(manager.zeros(new Shape(8)),
                QuantScheme.INT8));
        assertTrue(e.getMessage().contains("2-D"), e.getMessage());
        e = assertThrows(TopiaryException.class, () -> QuantizedTensor.quantize(
                manager.create(new int[] {1, 2, 3, 4}, new Shape(2, 2)), QuantScheme.INT8));
        assertTrue(e.getMessage().contains("floating"), e.getMessage());
        e = assertThrows(TopiaryException.class, () -> QuantizedTensor.quantize(
                manager.create(new float[] {1, Float.NaN}, new Shape(1, 2)), QuantScheme.INT8));
        assertTrue(e.getMessage().contains("not finite"), e.getMessage());
        e = assertThrows(TopiaryException.class, () -> QuantizedTensor.of("w", QuantScheme.INT8, new long[] {2, 2},
                new byte[3], new float[2], new byte[0]));
        assertTrue(e.getMessage().contains("packed data"), e.getMessage());
        assertThrows(TopiaryException.class, () -> QuantScheme.int4(3));
    }
}
