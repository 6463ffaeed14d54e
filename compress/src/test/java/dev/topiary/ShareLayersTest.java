package dev.topiary;

import static dev.topiary.Precision.INT8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.io.SafetensorsReader;
import dev.topiary.llama.LayerSharing;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Model#share} as a DSL step: its lineage, recipe and replay on a small embedded teacher; saving that keeps
 * the sharing (one copy of each block on disk) and saving that expands it, each loaded back to the same logits.
 */
class ShareLayersTest {

    /** hidden 32, FFN 96, 4 query heads in 2 KV groups of head_dim 8, vocabulary 50, four layers, tied. */
    static final LlamaConfig FOUR_LAYERS = LlamaConfig.builder().setHiddenSize(32).setIntermediateSize(96)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(8).setNumHiddenLayers(4).setVocabSize(50)
            .optTieWordEmbeddings(true).optMaxPositionEmbeddings(64).build();

    static final int[] IDS = {5, 17, 30, 9, 41, 2};

    @TempDir
    static Path cache;
    static Model teacher;

    @BeforeAll
    static void teacher() {
        teacher = ModelTest.smallTeacher(cache);
    }

    @AfterAll
    static void release() {
        teacher.close();
        System.clearProperty("TOPIARY_CACHE");
    }

    @Test
    void aSharedDistilledStudentsRecipeRecordsTheShareAndReplaysToTheSameWeights(@TempDir Path dir) {
        Path out = dir.resolve("student");
        LlamaConfig c = teacher.config();
        long layer = LlamaLayout.parameterCount(c.toBuilder().setNumHiddenLayers(2).build())
                - LlamaLayout.parameterCount(c.toBuilder().setNumHiddenLayers(1).build());
        try (Model student = ModelTest.quietly(() -> teacher.share(1)
                .distill(teacher, Distillation.steps(3).withBatch(2, 64)))) {
            List<Step> steps = student.lineage().steps();
            assertEquals(new ShareLayers(LayerSharing.Pattern.CYCLE, 1), steps.get(0));
            assertEquals("share layers among 1 block (cycle), each initialised from the first layer that uses it",
                    steps.get(0).toString());
            assertEquals(new StepMetrics.Shared(teacher.parameterCount(), teacher.parameterCount() - layer),
                    student.lineage().entries().get(0).metrics());
            assertEquals(teacher.parameterCount() - layer, student.parameterCount());
            assertEquals(List.of(0, 0), student.config().layerBlocks());
            assertEquals(student.lineage(), Lineage.fromJson(student.lineage().toJson()));
            assertTrue(student.lineage().toHtml().contains("share layers among 1 block"));
            assertTrue(student.toString().contains("2 layers sharing 1 block [0, 0], hidden"), student.toString());

            student.save(out);
            Lineage recipe = Lineage.read(out.resolve(Model.RECIPE_FILE));
            assertEquals("share", recipe.toJson().path("steps").get(0).path("verb").asText());
            try (LanguageModel again = ModelTest.quietly(() -> Replay.of(recipe))) {
                assertEquals(List.of(), recipe.differences(again.lineage(), 0));
                assertLogitsIdentical(student.logits(IDS), again.logits(IDS));
            }
        }
    }

    @Test
    void saveKeepsTheSharingWithOneCopyOfEachBlockAndLoadsBackBitIdentical(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("shared");
        try (Model plain = Model.random(FOUR_LAYERS, 4); Model shared = plain.share("adjacent", 2)) {
            shared.save(out);
            assertTrue(Files.readString(out.resolve("config.json")).contains("\"layer_blocks\" : [ 0, 0, 1, 1 ]"));
            assertEquals(Set.of(0, 2), storedLayers(out), "blocks under the names of their first layers");
            try (Model loaded = Model.load(out, "cpu")) {
                assertEquals(shared.config().toString(), loaded.config().toString());
                assertEquals(List.of(0, 0, 1, 1), loaded.config().layerBlocks());
                assertEquals(shared.parameterCount(), loaded.parameterCount());
                assertEquals(shared.lineage(), loaded.lineage());
                assertLogitsIdentical(shared.logits(IDS), loaded.logits(IDS));
            }
        }
    }

    @Test
    void saveExpandedWritesAnOrdinaryCheckpointWithTheSameLogitsAndSaysSo(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("expanded");
        try (Model plain = Model.random(FOUR_LAYERS, 4); Model shared = plain.share(2)) {
            ExpandedCheckpoint written = shared.saveExpanded(out);
            assertEquals(new ExpandedCheckpoint(out, 4, 2, 51_040, 26_336), written, "counted by hand in"
                    + " LayerSharingTest");
            assertTrue(written.toString().contains("the 4 layers' 2 shared blocks expanded into 4 layers of their own,"
                    + " 51,040 parameters (the model has 26,336 unique)"), written.toString());
            assertFalse(Files.readString(out.resolve("config.json")).contains("layer_blocks"));
            assertEquals(Set.of(0, 1, 2, 3), storedLayers(out));
            try (Model loaded = Model.load(out, "cpu")) {
                assertNull(loaded.config().layerBlocks());
                assertEquals(plain.parameterCount(), loaded.parameterCount());
                assertLogitsIdentical(shared.logits(IDS), loaded.logits(IDS));
            }
        }
    }

    /**
     * Random initialisation seeds each tensor by its name, and a block is stored under its first layer's names: a
     * random model of a shared config is the unshared random model shared, and its recipe replays.
     */
    @Test
    void aRandomModelOfASharedConfigIsTheUnsharedOneSharedAndReplays() {
        LlamaConfig cycle = FOUR_LAYERS.toBuilder().optLayerBlocks(List.of(0, 1, 0, 1)).build();
        try (Model random = Model.random(cycle, 3); Model plain = Model.random(FOUR_LAYERS, 3);
                Model shared = plain.share(2);
                LanguageModel again = Replay.of(Lineage.fromJson(random.lineage().toJson()))) {
            assertEquals(26_336, random.parameterCount());
            assertLogitsIdentical(shared.logits(IDS), random.logits(IDS));
            assertEquals(cycle, again.config());
            assertLogitsIdentical(random.logits(IDS), again.logits(IDS));
        }
    }

    @Test
    void roundToNearestQuantizesEachBlockOnceAndItsCheckpointKeepsTheSharing(@TempDir Path dir) {
        Path out = dir.resolve("int8");
        try (Model shared = teacher.share(1); QuantizedModel quantized = shared.quantize(INT8)) {
            assertEquals(shared.parameterCount(), quantized.parameterCount());
            assertEquals(List.of(0, 0), quantized.config().layerBlocks());
            quantized.save(out);
            try (QuantizedModel loaded = QuantizedModel.load(out, "cpu")) {
                assertEquals(List.of(0, 0), loaded.config().layerBlocks());
                assertLogitsIdentical(quantized.logits(IDS), loaded.logits(IDS));
            }
        }
    }

    @Test
    void badSharingAndWorkThatNeedsLayersOfTheirOwnAreRefused() {
        assertEquals("unknown layer-sharing pattern 'pairs': expected one of cycle, adjacent",
                assertThrows(TopiaryException.class, () -> teacher.share("pairs", 1)).getMessage());
        assertTrue(assertThrows(TopiaryException.class, () -> teacher.share(3)).getMessage()
                .contains("must be between 1 and the number of layers (2)"));
        assertTrue(assertThrows(TopiaryException.class, () -> teacher.share(0)).getMessage()
                .contains("at least 1 block, got 0"));
        try (Model plain = Model.random(FOUR_LAYERS, 1)) {
            assertTrue(assertThrows(TopiaryException.class, () -> plain.share("adjacent", 3)).getMessage()
                    .contains("multiple of the blocks (3)"));
        }
        try (Model shared = teacher.share(1)) {
            assertTrue(assertThrows(TopiaryException.class, shared::prune).getMessage()
                    .startsWith("pruning treats each layer's weights as its own, but this model's 2 layers are"
                            + " sharing 1 block [0, 0]: apply it before sharing layers"));
            assertTrue(assertThrows(TopiaryException.class, () -> shared.share(1)).getMessage()
                    .startsWith("sharing layers treats each layer's weights as its own"));
            assertTrue(assertThrows(TopiaryException.class, () -> ModelTest.quietly(() -> shared.quantize(
                    Gptq.of(INT8).withSamples(2)))).getMessage().startsWith("GPTQ, which calibrates each layer"));
            assertTrue(assertThrows(TopiaryException.class, () -> ModelTest.quietly(() -> shared.smooth(
                    SmoothQuant.defaults().withSamples(2)))).getMessage().startsWith("SmoothQuant, which folds"));
            assertTrue(assertThrows(TopiaryException.class, shared::replaceModules).getMessage()
                    .startsWith("module replacing treats each layer's weights as its own"));
            assertTrue(assertThrows(TopiaryException.class, () -> shared.withOutlierChannels(8, 3)).getMessage()
                    .startsWith("planting outlier channels treats each layer's weights as its own"));
        }
    }

    /** The layer numbers whose tensors a saved checkpoint holds. */
    private static Set<Integer> storedLayers(Path dir) throws IOException {
        Set<Integer> layers = new TreeSet<>();
        try (SafetensorsReader reader = SafetensorsReader.open(dir.resolve("model.safetensors"))) {
            for (String name : reader.tensors().keySet()) {
                if (name.startsWith("model.layers.")) {
                    layers.add(Integer.parseInt(name.split("\\.")[2]));
                }
            }
        }
        return layers;
    }

    private static void assertLogitsIdentical(float[][] expected, float[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int t = 0; t < expected.length; t++) {
            assertArrayEquals(expected[t], actual[t], 0f, "position " + t);
        }
    }
}
