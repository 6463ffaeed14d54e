package dev.topiary.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A checkpoint with one NaN or infinity is refused, naming file, tensor and index, unless the switch is on. */
class NonFiniteValuesTest {

    private static final LlamaConfig CONFIG = LlamaConfig.builder().setHiddenSize(8).setIntermediateSize(28)
            .setNumAttentionHeads(2).optNumKeyValueHeads(1).setNumHiddenLayers(2).setVocabSize(16).build();
    private static final String TENSOR = "model.layers.1.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = TensorDType.class, names = {"F32", "F16", "BF16"})
    void oneNaNInOneTensorIsRefusedWithItsNameAndIndex(TensorDType dtype) throws Exception {
        Path model = dir.resolve(dtype.name());
        try (Llama llama = Llama.random(CONFIG, 1, Device.cpu(), DataType.FLOAT32)) {
            LlamaCheckpoint.save(llama, model, dtype);
        }
        Path weights = model.resolve(CheckpointFiles.SINGLE);
        TensorValuePatch.overwrite(weights, TENSOR, 37, Float.NaN);

        TopiaryException e = assertThrows(TopiaryException.class,
                () -> LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32).close());
        assertTrue(e.getMessage().startsWith(weights + ": tensor '" + TENSOR + "' holds NaN at flat index 37;"),
                e.getMessage());
        assertTrue(e.getMessage().contains("-Dtopiary.allowNonFinite=true or TOPIARY_ALLOW_NONFINITE=1"),
                e.getMessage());

        System.setProperty(NonFiniteValues.PROPERTY, "true");
        try (Llama loaded = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            NDArray q = loaded.parameters().get(TENSOR);
            assertTrue(Float.isNaN(q.toFloatArray()[37]));
            assertEquals(1, countNonFinite(q.toFloatArray()));
        } finally {
            System.clearProperty(NonFiniteValues.PROPERTY);
        }
    }

    @Test
    void infinitiesAreNamedWithTheirSignInEveryReadPath() throws Exception {
        Path model = dir.resolve("inf");
        try (Llama llama = Llama.random(CONFIG, 2, Device.cpu(), DataType.FLOAT32)) {
            LlamaCheckpoint.save(llama, model, TensorDType.BF16);
        }
        Path weights = model.resolve(CheckpointFiles.SINGLE);
        TensorValuePatch.overwrite(weights, "model.norm.weight", 5, Float.NEGATIVE_INFINITY);
        TensorValuePatch.overwrite(weights, "model.embed_tokens.weight", 100, Float.POSITIVE_INFINITY);
        try (SafetensorsReader reader = SafetensorsReader.open(weights)) {
            TopiaryException floats = assertThrows(TopiaryException.class,
                    () -> reader.readFloats("model.norm.weight"));
            assertTrue(floats.getMessage().startsWith(weights
                    + ": tensor 'model.norm.weight' holds -Inf at flat index 5;"), floats.getMessage());
            // Chunked reads report the index within the whole tensor, not within the chunk.
            try (SafetensorsReader chunked = SafetensorsReader.open(weights, 24);
                    NDManager manager = NDManager.newBaseManager()) {
                TopiaryException half = assertThrows(TopiaryException.class,
                        () -> chunked.read("model.embed_tokens.weight", manager, DataType.FLOAT16));
                assertTrue(half.getMessage().contains("'model.embed_tokens.weight' holds +Inf at flat index 100;"),
                        half.getMessage());
            }
        }
    }

    private static int countNonFinite(float[] values) {
        int n = 0;
        for (float v : values) {
            n += Float.isFinite(v) ? 0 : 1;
        }
        return n;
    }
}
