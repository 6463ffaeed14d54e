package dev.topiary.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.quant.QuantScheme;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The compression benchmark's code path on the tiny model: sane fields, not wall-clock limits. */
class CompressionBenchmarkTest {

    @Test
    void measuresEveryStepOnTheTinyModel() {
        LlamaConfig tiny = LlamaPresets.tiny();
        CompressionBenchmark.Result r;
        try (Llama model = Llama.random(tiny, 1, Device.cpu(), DataType.FLOAT32)) {
            r = CompressionBenchmark.measure(model, 0, 1, 0, 1, 2, 16);
        }
        // Width: Minitron-4B-Width's ratios (hidden 256 -> 192, FFN 896 -> 576), heads kept.
        assertEquals(192, r.widthTarget().hiddenSize());
        assertEquals(576, r.widthTarget().intermediateSize());
        assertEquals(tiny.numAttentionHeads(), r.widthTarget().numAttentionHeads());
        assertEquals(LlamaLayout.parameterCount(tiny), r.sourceParameters());
        assertTrue(r.widthParameters() > 0 && r.widthParameters() < r.sourceParameters());
        sane(r.width());
        // Depth: half the layers.
        assertEquals(tiny.numHiddenLayers() / 2, r.droppedLayers());
        assertEquals(LlamaLayout.parameterCount(tiny.toBuilder().setNumHiddenLayers(2).build()), r.depthParameters());
        sane(r.depth());

        assertEquals(CompressionBenchmark.SCHEMES,
                r.quantization().stream().map(CompressionBenchmark.Quantization::scheme).toList());
        long linear = LlamaLayout.linearWeights(tiny).size();
        assertTrue(linear > 0);
        for (CompressionBenchmark.Quantization q : r.quantization()) {
            sane(q.timing());
            assertEquals(LlamaLayout.parameterCount(tiny) * 4, q.fp32Bytes());
            assertTrue(q.storedBytes() < q.fp32Bytes(), q.toString());
            assertTrue(q.linearStoredBytes() < q.linearFp32Bytes(), q.toString());
            double bitsPerWeight = q.bitsPerLinearWeight();
            int bits = q.scheme().bits();
            // Packed codes plus scales (and INT4 zero points): a little over the nominal width.
            assertTrue(bitsPerWeight >= bits && bitsPerWeight < bits + 1, q.scheme() + ": " + bitsPerWeight);
        }

        CompressionBenchmark.Quantization gptq = r.gptq();
        assertEquals(QuantScheme.INT4, gptq.scheme());
        assertEquals(32, r.gptqTokens());
        sane(gptq.timing());
        // GPTQ stores what round-to-nearest INT4 stores: the same packed format.
        CompressionBenchmark.Quantization rtn4 = r.quantization().get(1);
        assertEquals(rtn4.storedBytes(), gptq.storedBytes());
        assertEquals(rtn4.linearStoredBytes(), gptq.linearStoredBytes());

        List<String> lines = r.lines("tiny");
        assertEquals(2 + CompressionBenchmark.SCHEMES.size() + 1, lines.size());
        assertTrue(lines.stream().allMatch(l -> l.startsWith("- tiny, ")), lines.toString());
        assertTrue(lines.get(lines.size() - 1).contains("sequential GPTQ (32 calibration tokens) INT4"),
                lines.get(lines.size() - 1));
    }

    @Test
    void alignsLargeDimensionsToSixtyFour() {
        assertEquals(1536, CompressionBenchmark.aligned(2048 * CompressionBenchmark.HIDDEN_KEEP, 2048));
        assertEquals(5248, CompressionBenchmark.aligned(8192 * CompressionBenchmark.FFN_KEEP, 8192));
        assertEquals(9216, CompressionBenchmark.aligned(14336 * CompressionBenchmark.FFN_KEEP, 14336));
        assertEquals(576, CompressionBenchmark.aligned(896 * CompressionBenchmark.FFN_KEEP, 896));
    }

    private static void sane(Timing t) {
        assertTrue(t.seconds().length >= 1);
        assertTrue(t.min() > 0 && t.min() <= t.median() && t.median() <= t.max() && Double.isFinite(t.max()),
                t.time());
    }
}
