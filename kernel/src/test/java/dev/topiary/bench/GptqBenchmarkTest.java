package dev.topiary.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.llama.LlamaPresets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The GPTQ benchmark's code path on the tiny model's shapes: every part measured and the estimate made. */
class GptqBenchmarkTest {

    @Test
    void measuresEveryPartAndEstimatesTheWholeModel() {
        List<String> lines = GptqBenchmark.measure("tiny", LlamaPresets.tiny(), 0, 1, 1, 2, 32, 128);
        // Two input sizes (256 for q/k/v, o, gate/up; 896 for down), seven weights, the one-layer run, the estimate.
        assertEquals(2 + 7 + 2, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).contains("preparation") && lines.get(0).contains("256-input")
                && lines.get(0).endsWith("3 per layer"), lines.get(0));
        assertEquals(7, lines.stream().filter(l -> l.contains("GPTQ update of") && l.contains("GFLOP/s")).count());
        assertTrue(lines.get(lines.size() - 1).matches("- tiny, GPTQ INT4 of all 4 layers on 128 x 32 calibration"
                + " tokens, estimated from these: \\d+ s \\(\\d+ s fixed, \\d+ s calibration\\)"), lines.get(10));
    }
}
