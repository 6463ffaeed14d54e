package dev.topiary.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.SafetensorsReader;
import dev.topiary.io.TensorDType;
import dev.topiary.io.TensorValuePatch;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class PackedModelTest {

    // Llama-3.1 ratios at toy scale: FFN 3.5x hidden, 2 query heads per KV head; group size 32 divides 64 and 224.
    static final LlamaConfig CONFIG = LlamaConfig.builder()
            .setHiddenSize(64).setIntermediateSize(224).setNumAttentionHeads(4).optNumKeyValueHeads(2)
            .setNumHiddenLayers(2).setVocabSize(97).optMaxPositionEmbeddings(64).build();

    private static final int[] IDS = {3, 17, 96, 0, 42, 42, 7, 61, 25, 88};

    static Stream<QuantScheme> schemes() {
        return Stream.of(QuantScheme.INT8, QuantScheme.int4(32), QuantScheme.FP8_E4M3);
    }

    /**
     * Relative logit error bound per scheme, from the per-weight relative rms error d of each scheme on these Gaussian
     * rows: INT8 rounds to steps of max|row|/127 ~ 2.5 sigma/127 (64-224 weights a row), so d = step/sqrt(12) ~ 0.6%;
     * INT4 with groups of 32 to steps of range/15 ~ 4.1 sigma/15, d ~ 8%; FP8 keeps 3 mantissa bits, a relative
     * error uniform within +-2^-4, d ~ 2^-4/sqrt(3) ~ 3.6%. A linear map with independently perturbed weights has
     * an output error of relative size d; on each residual branch two quantized maps act in series (v then o; gate
     * and up then down), and embeddings, norms and lm_head are exact, so the logits' relative error should be about
     * d and at most about 2d. The bounds are 2.5 d; measured: 0.6%, 9.3% and 3.8%.
     */
    private static double bound(QuantScheme scheme) {
        return scheme instanceof QuantScheme.Int4Grouped ? 0.2 : scheme instanceof QuantScheme.Int8PerChannel
                ? 0.015 : 0.09;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void quantizedLogitsStayCloseAndSurviveSaveAndLoad(QuantScheme scheme, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("q");
        float[][] reference;
        float[][] quantizedLogits;
        try (Llama model = Llama.random(CONFIG, 5, Device.cpu(), DataType.FLOAT32);
                PackedModel q = ModelQuantizer.quantize(model, scheme)) {
            reference = model.logits(IDS);
            assertEquals(LlamaLayout.linearWeights(CONFIG), List.copyOf(q.quantized().keySet()));
            try (Llama dq = q.toLlama()) {
                quantizedLogits = dq.logits(IDS);
                // The untouched tensors are exact copies.
                assertArrayEquals(model.parameters().get(LlamaLayout.EMBED_TOKENS).toFloatArray(),
                        dq.parameters().get(LlamaLayout.EMBED_TOKENS).toFloatArray());
            }
            double rel = relativeError(reference, quantizedLogits);
            assertTrue(rel > 0 && rel < bound(scheme), scheme + ": relative logit error " + rel);
            QuantizedCheckpoint.save(q, out);

            try (PackedModel loaded = QuantizedCheckpoint.load(out, Device.cpu())) {
                assertEquals(CONFIG, loaded.config());
                assertEquals(scheme, loaded.scheme());
                assertEquals(q.storedBytes(), loaded.storedBytes());
                q.quantized().forEach((name, t) -> {
                    QuantizedTensor u = loaded.quantized().get(name);
                    assertArrayEquals(t.data(), u.data(), name);
                    assertArrayEquals(t.scales(), u.scales(), name);
                    assertArrayEquals(t.zeros(), u.zeros(), name);
                    assertArrayEquals(t.shape(), u.shape(), name);
                });
                try (Llama dq = loaded.toLlama()) {
                    float[][] after = dq.logits(IDS);
                    for (int t = 0; t < IDS.length; t++) {
                        assertArrayEquals(quantizedLogits[t], after[t], "position " + t);
                    }
                }
            }
        }
        JsonNode qc = new ObjectMapper().readTree(Files.readString(out.resolve("config.json")))
                .get(QuantizedCheckpoint.QUANTIZATION_CONFIG);
        assertEquals(scheme.id(), qc.get("scheme").asText());
        assertEquals(14, qc.get("quantized_tensors").size());
        try (SafetensorsReader reader = SafetensorsReader.open(out.resolve("model.safetensors"))) {
            String down = LlamaLayout.downProj(1);
            long[] packed = reader.info(down + ".qweight").shape();
            boolean int4 = scheme instanceof QuantScheme.Int4Grouped;
            assertArrayEquals(new long[] {64, int4 ? 112 : 224}, packed);
            assertEquals(scheme instanceof QuantScheme.Int8PerChannel ? TensorDType.I8 : TensorDType.U8,
                    reader.info(down + ".qweight").dtype());
            assertEquals(int4, reader.tensors().containsKey(down + ".zeros"));
            assertEquals(TensorDType.F32, reader.info(LlamaLayout.EMBED_TOKENS).dtype());
            assertTrue(!reader.tensors().containsKey(down));
        }
    }

    @Test
    void storedBytesCountPackedWeightsAndFp32Rest() {
        try (Llama model = Llama.random(CONFIG, 6, Device.cpu(), DataType.FLOAT32);
                PackedModel q = ModelQuantizer.quantize(model, QuantScheme.int4(32))) {
            long expected = 0;
            for (String name : LlamaLayout.shapes(CONFIG).keySet()) {
                long[] s = LlamaLayout.shapes(CONFIG).get(name);
                if (q.quantized().containsKey(name)) {
                    // Half a byte per weight, and a 4-byte scale plus a 1-byte zero per 32 weights.
                    expected += s[0] * s[1] / 2 + s[0] * (s[1] / 32) * 5;
                } else {
                    expected += (s.length == 1 ? s[0] : s[0] * s[1]) * 4;
                }
            }
            assertEquals(expected, q.storedBytes());
            assertTrue(q.storedBytes() < q.fp32Bytes());
        }
    }

    @Test
    void gptqHessiansAreUsedWhereGiven() {
        try (Llama model = Llama.random(CONFIG, 7, Device.cpu(), DataType.FLOAT32)) {
            String name = LlamaLayout.qProj(0);
            NDArray h = model.manager().eye(64).mul(2f);
            try (PackedModel q = ModelQuantizer.quantize(model, QuantScheme.INT8, Map.of(name, h))) {
                // With H = 2I GPTQ rounds to nearest (see GptqTest), so the result is the same tensor.
                assertArrayEquals(QuantizedTensor.quantize(model.parameters().get(name), QuantScheme.INT8).data(),
                        q.quantized().get(name).data());
            }
        }
    }

    @Test
    void loadingAPlainCheckpointDirectoryFailsClearly(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), CONFIG.toJsonString());
        TopiaryException e = assertThrows(TopiaryException.class, () -> QuantizedCheckpoint.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("quantization_config"), e.getMessage());
        try (Llama model = Llama.random(CONFIG, 8, Device.cpu(), DataType.FLOAT32)) {
            TopiaryException bad = assertThrows(TopiaryException.class,
                    () -> ModelQuantizer.quantize(model, QuantScheme.INT4));
            assertTrue(bad.getMessage().contains("group size 128"), bad.getMessage());
        }
    }

    @Test
    void aConfigThatDoesNotMatchTheStoredCodesIsRejected(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("q4");
        try (Llama model = Llama.random(CONFIG, 9, Device.cpu(), DataType.FLOAT32);
                PackedModel q = ModelQuantizer.quantize(model, QuantScheme.int4(32))) {
            QuantizedCheckpoint.save(q, out);
        }
        Path config = out.resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"int4\"", "\"int8\""));
        TopiaryException e = assertThrows(TopiaryException.class, () -> QuantizedCheckpoint.load(out, Device.cpu()));
        assertTrue(e.getMessage().contains(".qweight") && e.getMessage().contains("I8"), e.getMessage());
    }

    @Test
    void aNonFiniteScaleIsRefusedNamingItsTensor(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("q8");
        String name = LlamaLayout.linearWeights(CONFIG).get(0);
        try (Llama model = Llama.random(CONFIG, 4, Device.cpu(), DataType.FLOAT32);
                PackedModel q = ModelQuantizer.quantize(model, QuantScheme.INT8)) {
            QuantizedCheckpoint.save(q, out);
        }
        Path weights = out.resolve("model.safetensors");
        TensorValuePatch.overwrite(weights, name + ".scales", 3, Float.NaN);
        TopiaryException e = assertThrows(TopiaryException.class, () -> QuantizedCheckpoint.load(out, Device.cpu()));
        assertTrue(e.getMessage().startsWith(weights + ": tensor '" + name + ".scales' holds NaN at flat index 3;"),
                e.getMessage());
    }

    private static double relativeError(float[][] a, float[][] b) {
        double diff = 0;
        double norm = 0;
        for (int t = 0; t < a.length; t++) {
            for (int v = 0; v < a[t].length; v++) {
                diff += Math.pow(a[t][v] - b[t][v], 2);
                norm += Math.pow(a[t][v], 2);
            }
        }
        return Math.sqrt(diff / norm);
    }
}
