package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.io.CheckpointReader;
import dev.topiary.io.FloatFormats;
import dev.topiary.io.Overwrite;
import dev.topiary.io.TensorDType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaCheckpointTest {

    private static NDManager manager;
    private static final LlamaConfig CONFIG = LlamaForwardTest.config(12, 4, 2, 6, false, new RopeScaling(8, 1, 4, 16));

    @BeforeAll
    static void start() {
        manager = Engines.engine().newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @Test
    void saveThenLoadGivesIdenticalTensorsAndLogits(@TempDir Path dir) {
        Map<String, float[]> weights = TestWeights.random(CONFIG, 2);
        Path out = dir.resolve("model");
        int[] ids = {1, 5, 9, 2};
        float[][] before;
        try (Llama model = TestWeights.toModel(CONFIG, weights, manager.newSubManager())) {
            before = model.logits(ids);
            LlamaCheckpoint.save(model, out, TensorDType.F32);
        }
        assertTrue(Files.exists(out.resolve("config.json")) && Files.exists(out.resolve("model.safetensors")));
        try (Llama loaded = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(CONFIG.toBuilder().optTorchDtype("float32").build(), loaded.config());
            loaded.parameters().forEach((name, t) -> assertArrayEquals(weights.get(name), t.toFloatArray(), name));
            float[][] after = loaded.logits(ids);
            for (int t = 0; t < ids.length; t++) {
                assertArrayEquals(before[t], after[t]);
            }
        }
    }

    @Test
    void bf16CheckpointsHoldRoundedWeightsAndComputeLikeTheReference(@TempDir Path dir) {
        Map<String, float[]> weights = TestWeights.random(CONFIG, 3);
        Path out = dir.resolve("model-bf16");
        try (Llama model = TestWeights.toModel(CONFIG, weights, manager.newSubManager())) {
            LlamaCheckpoint.save(model, out, TensorDType.BF16);
        }
        Map<String, float[]> rounded = new LinkedHashMap<>();
        weights.forEach((name, w) -> {
            float[] r = new float[w.length];
            for (int i = 0; i < w.length; i++) {
                r[i] = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(w[i]));
            }
            rounded.put(name, r);
        });
        try (CheckpointReader reader = CheckpointReader.open(out)) {
            assertEquals(TensorDType.BF16, reader.info(LlamaLayout.EMBED_TOKENS).dtype());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        int[] ids = {4, 4, 0, 11, 28};
        double[][] expected = new ReferenceLlama(CONFIG, rounded).logits(ids);
        try (Llama loaded = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32)) {
            assertEquals("bfloat16", loaded.config().torchDtype());
            loaded.parameters().forEach((name, t) -> assertArrayEquals(rounded.get(name), t.toFloatArray(), name));
            float[][] actual = loaded.logits(ids);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    assertEquals(expected[t][v], actual[t][v], 1e-4);
                }
            }
        }
    }

    @Test
    void shardedCheckpointsLoad(@TempDir Path dir) {
        Map<String, float[]> weights = TestWeights.random(CONFIG, 4);
        Path out = dir.resolve("sharded");
        try (Llama model = TestWeights.toModel(CONFIG, weights, manager.newSubManager())) {
            dev.topiary.io.CheckpointWriter.write(out, model.config(), model.parameters(), TensorDType.F16, 2000,
                    Overwrite.TOPIARY_OUTPUT);
        }
        assertTrue(Files.exists(out.resolve("model.safetensors.index.json")));
        try (Llama loaded = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32)) {
            loaded.parameters().forEach((name, t) -> {
                float[] w = weights.get(name);
                float[] got = t.toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    assertEquals(FloatFormats.f16ToFloat(FloatFormats.floatToF16(w[i])), got[i], 0.0, name);
                }
            });
        }
    }

    @Test
    void brokenCheckpointsAreNamed(@TempDir Path dir) throws IOException {
        TopiaryException none = assertThrows(TopiaryException.class,
                () -> LlamaCheckpoint.load(dir.resolve("absent"), Device.cpu(), DataType.FLOAT32));
        assertEquals("model directory not found: " + dir.resolve("absent"), none.getMessage());

        Path out = dir.resolve("model");
        try (Llama model = TestWeights.toModel(CONFIG, TestWeights.random(CONFIG, 5), manager.newSubManager())) {
            LlamaCheckpoint.save(model, out, TensorDType.F32);
        }
        // The config claims a wider MLP than the weights hold.
        LlamaConfig wider = CONFIG.toBuilder().setIntermediateSize(48).build();
        wider.write(out.resolve("config.json"));
        TopiaryException shape = assertThrows(TopiaryException.class,
                () -> LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32));
        assertTrue(shape.getMessage().contains("model.layers.0.mlp.gate_proj.weight has shape [42, 12]")
                && shape.getMessage().contains("expects [48, 12]"), shape.getMessage());

        // The config asks for a third layer the weights do not have.
        CONFIG.toBuilder().setNumHiddenLayers(3).build().write(out.resolve("config.json"));
        TopiaryException missing = assertThrows(TopiaryException.class,
                () -> LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32));
        assertTrue(missing.getMessage().contains("has no tensor model.layers.2.input_layernorm.weight"),
                missing.getMessage());

        // Truncated weights.
        CONFIG.write(out.resolve("config.json"));
        Path weightsFile = out.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(weightsFile);
        Files.write(weightsFile, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        TopiaryException truncated = assertThrows(TopiaryException.class,
                () -> LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32));
        assertTrue(truncated.getMessage().contains("truncated") && truncated.getMessage().contains(weightsFile.toString()),
                truncated.getMessage());
    }
}
