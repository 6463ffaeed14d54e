package dev.topiary.embedded;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.Cancellation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.SotuCorpus;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TrainingOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded data and teacher, with a small recipe so the test takes seconds rather than minutes. */
class EmbeddedTeacherTest {

    /** This class's cache, holding the build's shared embedded data (tokenizer training and tokenization). */
    @TempDir
    static Path cache;

    @BeforeAll
    static void sharedData() {
        TestCache.withSharedData(cache);
    }

    static final TeacherRecipe SMALL = new TeacherRecipe(
            LlamaPresets.tiny().toBuilder().setNumHiddenLayers(1).setHiddenSize(64).setIntermediateSize(224)
                    .setNumAttentionHeads(4).optNumKeyValueHeads(1).optHeadDim(16).build(),
            7, TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 2, 12), 4, 64));

    @Test
    void theTeacherIsTrainedOnceCachedAndReproducibleBitForBit() throws IOException {
        AtomicInteger steps = new AtomicInteger();
        Path dir = EmbeddedTeacher.obtain(cache, SMALL, p -> steps.incrementAndGet(), Cancellation.none());
        assertEquals(12, steps.get());
        for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json", "report.json"}) {
            assertTrue(Files.isRegularFile(dir.resolve(file)), file);
        }
        byte[] weights = Files.readAllBytes(dir.resolve("model.safetensors"));
        FileTime written = Files.getLastModifiedTime(dir.resolve("model.safetensors"));

        // A second call finds it in the cache.
        assertEquals(dir, EmbeddedTeacher.obtain(cache, SMALL, p -> steps.incrementAndGet(), Cancellation.none()));
        assertEquals(12, steps.get());
        assertEquals(written, Files.getLastModifiedTime(dir.resolve("model.safetensors")));

        // Trained again from the same recipe, it is the same model, bit for bit.
        deleteRecursively(dir);
        Path again = EmbeddedTeacher.obtain(cache, SMALL, p -> { }, Cancellation.none());
        assertArrayEquals(weights, Files.readAllBytes(again.resolve("model.safetensors")));

        // Another seed is another cache entry.
        TeacherRecipe reseeded = new TeacherRecipe(SMALL.config(), 8, SMALL.training());
        assertTrue(!EmbeddedTeacher.obtain(cache, reseeded, p -> { }, Cancellation.none()).equals(dir));

        TeacherReport report = EmbeddedTeacher.report(dir);
        assertEquals(12L * 4 * 64, report.trainTokens());
        assertEquals(200, report.nextSentence().items());
        assertTrue(report.unigram().perplexity() > 100, report.toString());
        try (Llama teacher = EmbeddedTeacher.load(dir)) {
            assertEquals(SMALL.config().toBuilder().optTorchDtype("float32").build(), teacher.config());
        }
    }

    @Test
    void theEmbeddedDataHoldsEverySpeechOnceWithBeginAndEndTokens() {
        EmbeddedData data = EmbeddedData.obtain(cache);
        var split = SotuCorpus.split();
        try (Tokenizer tokenizer = Tokenizer.load(data.tokenizer());
                IndexedDataset train = IndexedDataset.open(data.train());
                IndexedDataset validation = IndexedDataset.open(data.validation());
                IndexedDataset test = IndexedDataset.open(data.test())) {
            assertEquals(EmbeddedData.VOCABULARY, tokenizer.vocabularySize());
            assertEquals(split.train().size(), train.documentCount());
            assertEquals(split.validation().size(), validation.documentCount());
            assertEquals(split.test().size(), test.documentCount());
            int bos = tokenizer.tokenId("<|begin_of_text|>");
            int eos = tokenizer.tokenId("<|end_of_text|>");
            int[] first = validation.sequence(0);
            assertEquals(bos, first[0]);
            assertEquals(eos, first[first.length - 1]);
            int[] body = java.util.Arrays.copyOfRange(first, 1, first.length - 1);
            assertEquals(split.validation().get(0).text(), tokenizer.decode(body));
        }
        // Built once: a second call reuses the directory.
        assertEquals(data, EmbeddedData.obtain(cache));
    }

    private static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
