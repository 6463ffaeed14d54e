package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Per-token activation quantization in DJL against the same arithmetic written out in Java. */
class ActivationSchemeTest {

    // Two sequences of three tokens of five channels: an outlier channel, a token of zeros, values at the extremes.
    private static final float[] SMALL = {
        0.5f, -1.25f, 30f, 0.01f, 2f,
        0f, 0f, 0f, 0f, 0f,
        -0.75f, 0.3f, -0.2f, 0.05f, 0.127f,
        1f, 1f, 1f, 1f, -1f,
        3.3f, -7.1f, 0.0001f, 12.7f, -12.7f,
        0.635f, -0.6f, 0.1f, 0.2f, 0.3f,
    };

    @Test
    void int8PerTokenEqualsTheHandComputation() {
        float[] expected = new float[SMALL.length];
        for (int token = 0; token < 6; token++) {
            float max = 0;
            for (int c = 0; c < 5; c++) {
                max = Math.max(max, Math.abs(SMALL[token * 5 + c]));
            }
            float scale = Math.max(max / 127f, Float.MIN_NORMAL);
            for (int c = 0; c < 5; c++) {
                float code = Math.max(-127, Math.min(127, (float) Math.rint(SMALL[token * 5 + c] / scale)));
                expected[token * 5 + c] = code * scale;
            }
        }
        // Written out for the first token: max 30, scale 30/127; 0.5 -> round(2.1167) = 2 -> 0.4724...
        assertEquals(2 * (30f / 127f), expected[0], 0f);
        assertEquals(30f, expected[2], 0f);
        assertArrayEquals(expected, quantized(ActivationScheme.INT8, SMALL, new Shape(2, 3, 5)));
    }

    @Test
    void fp8PerTokenRoundsEachScaledValueToTheNearestE4m3Value() {
        SplittableRandom random = new SplittableRandom(7);
        int tokens = 64;
        int channels = 48;
        float[] x = new float[tokens * channels];
        for (int i = 0; i < x.length; i++) {
            // Magnitudes over twelve binades, so each token's values reach E4M3's subnormals.
            x[i] = (float) ((random.nextBoolean() ? 1 : -1) * Math.pow(2, random.nextDouble(-10, 2)));
        }
        float[] expected = new float[x.length];
        for (int t = 0; t < tokens; t++) {
            float max = 0;
            for (int c = 0; c < channels; c++) {
                max = Math.max(max, Math.abs(x[t * channels + c]));
            }
            float scale = max / Fp8E4M3.MAX;
            for (int c = 0; c < channels; c++) {
                int i = t * channels + c;
                expected[i] = Fp8E4M3.decode(Fp8E4M3.encode(x[i] / scale)) * scale;
            }
        }
        float[] actual = quantized(ActivationScheme.FP8, x, new Shape(4, 16, channels));
        assertArrayEquals(expected, actual);
        long subnormal = 0;
        for (int i = 0; i < x.length; i++) {
            if (Math.abs(expected[i]) > 0 && Math.abs(expected[i]) < 0x1p-6f * Fp8E4M3.MAX) {
                subnormal++;
            }
        }
        assertTrue(subnormal > 0, "the values reach E4M3's smallest exponents");
        float[] zeros = quantized(ActivationScheme.FP8, new float[8], new Shape(1, 1, 8));
        assertArrayEquals(new float[8], zeros);
    }

    @Test
    void noneLeavesTheActivationsAsTheyAre() {
        try (NDManager m = Engines.engine().newBaseManager()) {
            NDArray x = m.create(SMALL, new Shape(2, 3, 5));
            assertSame(x, ActivationScheme.NONE.apply(x));
        }
    }

    @Test
    void namesParseInAnyCaseAndAWrongOneIsRefused() {
        assertEquals(ActivationScheme.FP8, ActivationScheme.parse("FP8"));
        assertEquals(ActivationScheme.FP8, ActivationScheme.parse("fp8_e4m3"));
        assertEquals(ActivationScheme.INT8, ActivationScheme.parse("int8"));
        TopiaryException e = assertThrows(TopiaryException.class, () -> ActivationScheme.parse("int4"));
        assertTrue(e.getMessage().contains("unknown activation scheme 'int4'")
                && e.getMessage().contains("none, int8, fp8_e4m3"), e.getMessage());
    }

    private static float[] quantized(ActivationScheme scheme, float[] values, Shape shape) {
        try (NDManager m = Engines.engine().newBaseManager()) {
            return scheme.apply(m.create(values, shape)).toFloatArray();
        }
    }
}
