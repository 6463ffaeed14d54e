package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import dev.topiary.engine.Engines;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FakeQuantizationTest {

    private static final List<QuantScheme> SCHEMES = List.of(QuantScheme.INT8, QuantScheme.int4(16),
            QuantScheme.FP8_E4M3);

    private static float[] gaussian(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) (0.05 * random.nextGaussian());
        }
        return values;
    }

    @Test
    void valuesAreThoseOfThePackedCodec() {
        try (NDManager manager = Engines.engine().newBaseManager()) {
            NDArray weight = manager.create(gaussian(24 * 64, 1), new Shape(24, 64));
            for (QuantScheme scheme : SCHEMES) {
                NDArray fake = FakeQuantization.apply(weight, scheme, manager);
                float[] expected = QuantizedTensor.quantize(weight, scheme).dequantizeToFloats();
                assertEquals(DataType.FLOAT32, fake.getDataType());
                assertArrayEquals(expected, fake.toFloatArray(), 0f, scheme.toString());
                assertFalse(Arrays.equals(weight.toFloatArray(), fake.toFloatArray()), "nothing was rounded");
            }
        }
    }

    @Test
    void theGradientPassesStraightThrough() {
        try (NDManager manager = Engines.engine().newBaseManager()) {
            float[] upstream = gaussian(16 * 32, 2);
            NDArray coefficients = manager.create(upstream, new Shape(16, 32));
            for (QuantScheme scheme : SCHEMES) {
                NDArray weight = manager.create(gaussian(16 * 32, 3), new Shape(16, 32));
                weight.setRequiresGradient(true);
                try (GradientCollector collector = manager.getEngine().newGradientCollector()) {
                    collector.backward(FakeQuantization.apply(weight, scheme, manager).mul(coefficients).sum());
                }
                // d/dw sum(c * q(w)) with q's derivative taken as the identity is c itself.
                assertArrayEquals(upstream, weight.getGradient().toFloatArray(), 0f, scheme.toString());
            }
        }
    }
}
