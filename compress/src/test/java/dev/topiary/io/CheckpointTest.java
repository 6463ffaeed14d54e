package dev.topiary.io;

import static dev.topiary.io.SafetensorsRoundTripTest.assertBitsEqual;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Hugging Face model directories: single file, shards with their index, replacement in place, broken layouts. */
class CheckpointTest {

    @TempDir
    Path root;

    private NDManager manager;
    private final LlamaConfig config = LlamaConfig.builder().setHiddenSize(8).setIntermediateSize(28)
            .setNumAttentionHeads(2).optNumKeyValueHeads(1).setNumHiddenLayers(1).setVocabSize(16).build();

    // The tensors here hold NaN and infinities on purpose, to check they survive bit for bit: the switch that lets
    // non-finite values load is on for these tests.
    @BeforeEach
    void start() {
        manager = NDManager.newBaseManager();
        System.setProperty(NonFiniteValues.PROPERTY, "true");
    }

    @AfterEach
    void stop() {
        manager.close();
        System.clearProperty(NonFiniteValues.PROPERTY);
    }

    // F32 sizes: A 200, B 20, C 400, D 80, E 200, F (int64) 24 bytes.
    private Map<String, NDArray> tensors() {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("model.a", manager.create(SafetensorsRoundTripTest.awkwardValues(50, 10), new Shape(10, 5)));
        t.put("model.b", manager.create(SafetensorsRoundTripTest.awkwardValues(5, 11)));
        t.put("model.c", manager.create(SafetensorsRoundTripTest.awkwardValues(100, 12), new Shape(4, 25)));
        t.put("model.d", manager.create(SafetensorsRoundTripTest.awkwardValues(20, 13)));
        t.put("model.e", manager.create(SafetensorsRoundTripTest.awkwardValues(50, 14), new Shape(2, 5, 5)));
        t.put("lm.f", manager.create(new long[] {-1, 0, Long.MAX_VALUE}));
        return t;
    }

    @Test
    void shardsGreedilyLikeHuggingFace() throws IOException {
        Path dir = root.resolve("model");
        Map<String, NDArray> tensors = tensors();
        CheckpointWriter.write(dir, config, tensors, TensorDType.F32, 300, Overwrite.TOPIARY_OUTPUT);

        // A+B = 220; C alone (over the limit); D+E = 280; F would overflow, so its own shard.
        assertEquals(Set.of("config.json", "model.safetensors.index.json", "model-00001-of-00004.safetensors",
                "model-00002-of-00004.safetensors", "model-00003-of-00004.safetensors",
                "model-00004-of-00004.safetensors", OutputManifest.FILE_NAME), list(dir));
        assertEquals(Set.of("model"), list(root), "no temporary directories left beside it");

        String indexText = Files.readString(dir.resolve("model.safetensors.index.json"));
        assertTrue(indexText.startsWith("{\n  \"metadata\": {\n    \"total_size\": 924\n  },\n  \"weight_map\": {\n"
                + "    \"lm.f\": \"model-00004-of-00004.safetensors\",\n"), indexText);
        assertTrue(indexText.endsWith("}\n"), indexText);
        JsonNode index = new ObjectMapper().readTree(indexText);
        assertEquals(924, index.get("metadata").get("total_size").asLong());
        Map<String, String> weightMap = new LinkedHashMap<>();
        index.get("weight_map").fields().forEachRemaining(e -> weightMap.put(e.getKey(), e.getValue().asText()));
        assertEquals(List.of("lm.f", "model.a", "model.b", "model.c", "model.d", "model.e"),
                List.copyOf(weightMap.keySet()), "sorted, as json.dumps(sort_keys=True)");
        assertEquals(Map.of("model.a", "model-00001-of-00004.safetensors", "model.b", "model-00001-of-00004.safetensors",
                "model.c", "model-00002-of-00004.safetensors", "model.d", "model-00003-of-00004.safetensors",
                "model.e", "model-00003-of-00004.safetensors", "lm.f", "model-00004-of-00004.safetensors"), weightMap);

        try (SafetensorsReader shard = SafetensorsReader.open(dir.resolve("model-00003-of-00004.safetensors"))) {
            assertEquals(Map.of("format", "pt"), shard.metadata());
            assertEquals(List.of("model.d", "model.e"), List.copyOf(shard.tensors().keySet()));
        }
        LlamaConfig back = LlamaConfig.read(dir);
        assertEquals("float32", back.torchDtype());
        assertEquals(config.hiddenSize(), back.hiddenSize());

        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertEquals(dir, r.directory());
            assertEquals(new TreeSet<>(tensors.keySet()), new TreeSet<>(r.names()));
            for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                NDArray a = r.read(e.getKey(), manager, null);
                assertEquals(e.getValue().getShape(), a.getShape(), e.getKey());
                assertEquals(e.getValue().getDataType(), a.getDataType(), e.getKey());
                if (a.getDataType() == DataType.FLOAT32) {
                    assertBitsEqual(e.getValue().toFloatArray(), a.toFloatArray());
                    assertBitsEqual(e.getValue().toFloatArray(), r.readFloats(e.getKey()));
                } else {
                    assertArrayEquals(e.getValue().toLongArray(), a.toLongArray());
                }
            }
            assertEquals(TensorDType.I64, r.info("lm.f").dtype());
            TopiaryException e = assertThrows(TopiaryException.class, () -> r.read("missing", manager, null));
            assertTrue(e.getMessage().contains("'missing'") && e.getMessage().contains(dir.toString()), e.getMessage());
        }
    }

    @Test
    void everythingFittingMakesOneFile() throws IOException {
        Path dir = root.resolve("one");
        Map<String, NDArray> tensors = tensors();
        CheckpointWriter.write(dir, config, tensors, TensorDType.BF16, 10_000, Overwrite.TOPIARY_OUTPUT);
        assertEquals(Set.of("config.json", "model.safetensors", OutputManifest.FILE_NAME), list(dir));
        assertEquals("bfloat16", LlamaConfig.read(dir).torchDtype());
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertEquals(List.copyOf(tensors.keySet()), List.copyOf(r.names()));
            float[] c = tensors.get("model.c").toFloatArray();
            for (int i = 0; i < c.length; i++) {
                c[i] = FloatFormats.bf16ToFloat(FloatFormats.floatToBf16(c[i]));
            }
            assertBitsEqual(c, r.read("model.c", manager, DataType.FLOAT32).toFloatArray());
        }
    }

    @Test
    void replacingDropsTopiarysOldShardsAndKeepsEveryFileTheUserAdded() throws IOException {
        Path dir = root.resolve("model");
        CheckpointWriter.write(dir, config, tensors(), TensorDType.F32, 300, Overwrite.TOPIARY_OUTPUT);
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": \"bpe\"}");
        Files.writeString(dir.resolve("README.md"), "notes");
        Files.createDirectories(dir.resolve("original"));
        Files.writeString(dir.resolve("original/tokenizer.model"), "sp");
        Files.writeString(dir.resolve("original/consolidated.00.pth"), "user's weights");
        Files.writeString(dir.resolve("pytorch_model.bin"), "user's weights");

        Map<String, NDArray> fresh = Map.of("only", manager.create(new float[] {7f, 8f}));
        CheckpointWriter.write(dir, config, fresh, TensorDType.F16, 1 << 20, Overwrite.TOPIARY_OUTPUT);

        assertEquals(Set.of("config.json", "model.safetensors", "tokenizer.json", "README.md", "original",
                "pytorch_model.bin", OutputManifest.FILE_NAME), list(dir), "the four old shards and index are gone");
        assertEquals(Set.of("tokenizer.model", "consolidated.00.pth"), list(dir.resolve("original")));
        assertEquals("{\"model\": \"bpe\"}", Files.readString(dir.resolve("tokenizer.json")));
        assertEquals("sp", Files.readString(dir.resolve("original/tokenizer.model")));
        assertEquals("user's weights", Files.readString(dir.resolve("pytorch_model.bin")));
        assertEquals(Set.of("config.json", "model.safetensors"), OutputManifest.read(dir).orElseThrow().files(),
                "the manifest lists what Topiary wrote, not what it carried over");
        assertEquals(Set.of("model"), list(root), "old checkpoint and temporary directory are gone");
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertEquals(Set.of("only"), r.names());
            assertArrayEquals(new float[] {7f, 8f}, r.readFloats("only"));
        }
    }

    @Test
    void failedWriteLeavesTheExistingCheckpoint() throws IOException {
        Path dir = root.resolve("model");
        CheckpointWriter.write(dir, config, Map.of("w", manager.create(new float[] {1f})), TensorDType.F32, 100,
                Overwrite.TOPIARY_OUTPUT);
        Files.writeString(dir.resolve("tokenizer.json"), "{}");
        Set<String> before = list(dir);
        NDArray broken = manager.create(new float[] {1f, 2f});
        broken.getShape();
        broken.getDataType();
        broken.close();
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        tensors.put("ok", manager.create(new float[] {2f}));
        tensors.put("broken", broken);
        assertThrows(RuntimeException.class,
                () -> CheckpointWriter.write(dir, config, tensors, TensorDType.F32, 100, Overwrite.TOPIARY_OUTPUT));
        assertEquals(before, list(dir));
        assertEquals(Set.of("model"), list(root), "temporary directory removed");
        try (CheckpointReader r = CheckpointReader.open(dir)) {
            assertArrayEquals(new float[] {1f}, r.readFloats("w"));
        }
    }

    @Test
    void refusesToReplaceAFile() throws IOException {
        Path file = root.resolve("model");
        Files.writeString(file, "x");
        TopiaryException e = assertThrows(TopiaryException.class,
                () -> CheckpointWriter.write(file, config, Map.of(), TensorDType.F32, 100, Overwrite.TOPIARY_OUTPUT));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a directory"), e.getMessage());
    }

    @Test
    void missingDirectory() {
        Path dir = root.resolve("absent");
        assertEquals("model directory not found: " + dir,
                assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage());
    }

    @Test
    void directoryWithoutWeights() throws IOException {
        Path dir = Files.createDirectories(root.resolve("empty"));
        String msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertEquals("no checkpoint in " + dir + ": expected model.safetensors or model.safetensors.index.json with"
                + " its shards", msg);
        Files.writeString(dir.resolve("pytorch_model.bin"), "x");
        msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertTrue(msg.contains("found pytorch_model.bin"), msg);
    }

    @Test
    void indexNamingAMissingShard() throws IOException {
        Path dir = root.resolve("model");
        CheckpointWriter.write(dir, config, tensors(), TensorDType.F32, 300, Overwrite.TOPIARY_OUTPUT);
        Files.delete(dir.resolve("model-00002-of-00004.safetensors"));
        String msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertEquals(dir.resolve("model.safetensors.index.json") + " names shard model-00002-of-00004.safetensors"
                + " in " + dir + ", which is missing", msg);
        Files.createDirectory(dir.resolve("model-00002-of-00004.safetensors"));
        msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertTrue(msg.endsWith("model-00002-of-00004.safetensors in " + dir + ", which is a directory"), msg);
    }

    @Test
    void indexEntryNotInItsShard() throws IOException {
        Path dir = root.resolve("model");
        CheckpointWriter.write(dir, config, tensors(), TensorDType.F32, 300, Overwrite.TOPIARY_OUTPUT);
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, Files.readString(index).replace(
                "\"model.c\": \"model-00002-of-00004.safetensors\"", "\"model.c\": \"model-00001-of-00004.safetensors\""));
        String msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertEquals(index + " maps tensor 'model.c' to model-00001-of-00004.safetensors, but that shard has no"
                + " tensor of that name", msg);
    }

    @Test
    void indexWithoutWeightMapOrWithPathsIsRejected() throws IOException {
        Path dir = Files.createDirectories(root.resolve("model"));
        Path index = dir.resolve("model.safetensors.index.json");
        Files.writeString(index, "{\"metadata\": {}}");
        String msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertTrue(msg.startsWith(index.toString()) && msg.contains("weight_map"), msg);
        Files.writeString(index, "{\"weight_map\": {\"w\": \"../outside.safetensors\"}}");
        msg = assertThrows(TopiaryException.class, () -> CheckpointReader.open(dir)).getMessage();
        assertTrue(msg.contains("'../outside.safetensors'") && msg.contains("expected a file name"), msg);
    }

    private static Set<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
        }
    }
}
