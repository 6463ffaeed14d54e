package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Test;

/**
 * The float16 path GPUs use, exercised on the CPU (libtorch computes half precision there too, slowly): norms and
 * softmax are taken in fp32 and logits come back as fp32, so half-precision logits stay close to full precision.
 */
class HalfPrecisionTest {

    @Test
    void float16LogitsFollowFloat32() {
        LlamaConfig config = LlamaPresets.tiny().toBuilder().setNumHiddenLayers(2).build();
        int[] ids = {4094, 17, 300, 2048, 9, 9, 1000};
        try (Llama full = Llama.random(config, 3, Device.cpu(), DataType.FLOAT32);
                Llama half = Llama.random(config, 3, Device.cpu(), DataType.FLOAT16)) {
            assertEquals(DataType.FLOAT16, half.dataType());
            float[][] expected = full.logits(ids);
            float[][] actual = half.logits(ids);
            double worst = 0;
            double scale = 0;
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
                    scale = Math.max(scale, Math.abs(expected[t][v]));
                }
            }
            assertTrue(worst <= 2e-2 * scale, "largest difference " + worst + " for logits up to " + scale);
        }
    }
}
