package dev.topiary;

import static dev.topiary.Precision.FP8;
import static dev.topiary.Precision.INT8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.quant.ActivationScheme;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SmoothQuant and activation quantization on the small embedded teacher of {@link ModelTest}. */
class SmoothQuantTest {

    private static final SmoothQuant FEW = SmoothQuant.defaults().withSamples(8);
    private static final RoundToNearest W8A8 = RoundToNearest.of(INT8).withActivations(ActivationScheme.INT8);

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
    void theSmoothedModelComputesTheSameFunctionInFp32() {
        try (Model smoothed = ModelTest.quietly(() -> teacher.smooth(FEW))) {
            int[] ids = tokens(48, 1);
            float[][] expected = teacher.logits(ids);
            float[][] actual = smoothed.logits(ids);
            double worst = largestRelativeDifference(expected, actual);
            assertTrue(worst <= 1e-5, "largest relative logit difference " + worst);
            // Not the identity: the norms and weights moved.
            NDArray before = teacher.llama().parameters().get(LlamaLayout.inputNorm(0));
            NDArray after = smoothed.llama().parameters().get(LlamaLayout.inputNorm(0));
            assertFalse(java.util.Arrays.equals(before.toFloatArray(), after.toFloatArray()));
            StepMetrics.Smoothed metrics = (StepMetrics.Smoothed) smoothed.lineage().last().metrics();
            assertTrue(metrics.outlierRatioAfter() < metrics.outlierRatioBefore(), metrics.toString());
            assertEquals(FEW.resolve(teacher.defaults()), smoothed.lineage().last().step());
        }
    }

    @Test
    void withPlantedOutlierChannelsSmoothQuantLowersTheW8a8Error() {
        try (Model model = ModelTest.quietly(() -> teacher.withOutlierChannels(50, 3, 40))) {
            int[] ids = tokens(64, 2);
            float[][] exact = model.logits(ids);
            assertTrue(largestRelativeDifference(teacher.logits(ids), exact) <= 1e-5, "planting keeps the function");
            assertEquals(new OutlierChannels(List.of(3, 40), 50), model.lineage().last().step());
            double plain;
            double smoothed;
            try (QuantizedModel q = ModelTest.quietly(() -> model.quantize(W8A8))) {
                plain = meanSquaredDifference(exact, q.logits(ids));
            }
            try (Model s = ModelTest.quietly(() -> model.smooth(FEW));
                    QuantizedModel q = ModelTest.quietly(() -> s.quantize(W8A8))) {
                smoothed = meanSquaredDifference(exact, q.logits(ids));
            }
            try (QuantizedModel q = ModelTest.quietly(() -> model.quantize(RoundToNearest.of(INT8)))) {
                double weightsOnly = meanSquaredDifference(exact, q.logits(ids));
                assertTrue(weightsOnly < plain, "W8A16 " + weightsOnly + " against W8A8 " + plain);
            }
            assertTrue(smoothed < 0.5 * plain, "W8A8 logit error " + plain + " unsmoothed, " + smoothed + " smoothed");
        }
        fails(() -> teacher.withOutlierChannels(50, 64), "outlier channel 64 is outside the hidden size");
        fails(() -> teacher.withOutlierChannels(0, 1), "must be positive");
    }

    @Test
    void anActivationQuantizedModelSavesLoadsAndReplaysWithItsScheme(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("w8a8");
        int[] ids = tokens(24, 3);
        try (Model smoothed = ModelTest.quietly(() -> teacher.smooth(FEW));
                QuantizedModel w8a8 = ModelTest.quietly(() -> smoothed.quantize(W8A8));
                QuantizedModel w8a16 = ModelTest.quietly(() -> smoothed.quantize(INT8))) {
            assertEquals(ActivationScheme.INT8, w8a8.activations());
            assertEquals(ActivationScheme.NONE, w8a16.activations());
            float[][] expected = w8a8.logits(ids);
            assertFalse(java.util.Arrays.equals(expected[ids.length - 1], w8a16.logits(ids)[ids.length - 1]),
                    "quantizing the activations changes the logits");
            assertTrue(w8a8.toHtml().contains("INT8 weights, INT8 activations (per token)"), w8a8.toHtml());
            assertTrue(w8a8.lineage().toString().contains("SmoothQuant, alpha 0.5"), w8a8.lineage().toString());
            w8a8.save(out);
            var config = new ObjectMapper().readTree(Files.readString(out.resolve("config.json")));
            assertEquals("int8", config.path("quantization_config").path("activations").asText());
            var recipe = new ObjectMapper().readTree(Files.readString(out.resolve(Model.RECIPE_FILE)));
            assertTrue(recipe.toString().contains("\"verb\":\"smooth\"") && recipe.toString().contains(
                    "\"activations\":\"int8\""), recipe.toString());
            try (QuantizedModel loaded = QuantizedModel.load(out, "cpu");
                    LanguageModel again = ModelTest.quietly(() -> Replay.of(Lineage.read(out.resolve(
                            Model.RECIPE_FILE))))) {
                assertEquals(ActivationScheme.INT8, loaded.activations());
                for (int t = 0; t < ids.length; t++) {
                    assertArrayEquals(expected[t], loaded.logits(ids)[t]);
                    assertArrayEquals(expected[t], again.logits(ids)[t]);
                }
            }
        }
    }

    @Test
    void fp8WeightsAndActivationsRunAndRecordTheirScheme() {
        RoundToNearest fp8 = RoundToNearest.of(FP8).withActivations(ActivationScheme.FP8);
        assertEquals(fp8, StepRegistry.read(fp8.toJson()));
        assertEquals(W8A8, StepRegistry.read(W8A8.toJson()));
        assertEquals(FEW.resolve(teacher.defaults()), StepRegistry.read(FEW.resolve(teacher.defaults()).toJson()));
        OutlierChannels planted = new OutlierChannels(List.of(3, 40), 50);
        assertEquals(planted, StepRegistry.read(planted.toJson()));
        try (QuantizedModel q = ModelTest.quietly(() -> teacher.quantize(fp8))) {
            assertEquals(ActivationScheme.FP8, q.activations());
            double loss = ModelTest.quietly(() -> q.loss(Corpus.embedded("validation"), 512));
            double exact = ModelTest.quietly(() -> teacher.loss(Corpus.embedded("validation"), 512));
            assertTrue(Double.isFinite(loss) && loss != exact && Math.abs(loss - exact) < 0.5, loss + " vs " + exact);
        }
    }

    @Test
    void smoothingReportsEachBatchStopsWhenCancelledAndRefusesABadAlpha() {
        List<Progress> seen = new ArrayList<>();
        try (Model m = Monitor.run(new Monitor(seen::add, Cancellation.none()), () -> teacher.smooth(FEW))) {
            assertTrue(m.parameterCount() == teacher.parameterCount());
        }
        List<Progress> smoothing = seen.stream().filter(p -> p.task().equals("SmoothQuant")).toList();
        int batches = FEW.calibration().batches();
        assertEquals(batches, smoothing.size());
        assertTrue(smoothing.get(batches - 1).finished());
        Cancellation cancellation = new Cancellation();
        cancellation.cancel();
        assertThrows(CancellationException.class, () -> Monitor.run(new Monitor(ProgressListener.SILENT,
                cancellation), () -> teacher.smooth(FEW)));
        TopiaryException e = assertThrows(TopiaryException.class, () -> SmoothQuant.defaults().withAlpha(1.5));
        assertTrue(e.getMessage().contains("alpha must be in [0, 1]") && e.getMessage().contains("1.5"),
                e.getMessage());
        try (Model stranger = Model.random(teacher.config(), 1)) {
            TopiaryException noData = assertThrows(TopiaryException.class, () -> stranger.smooth());
            assertTrue(noData.getMessage().contains("smooth()"), noData.getMessage());
        }
    }

    private static double largestRelativeDifference(float[][] expected, float[][] actual) {
        double worst = 0;
        for (int t = 0; t < expected.length; t++) {
            for (int v = 0; v < expected[t].length; v++) {
                worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]) / Math.max(1, Math.abs(expected[t][v])));
            }
        }
        return worst;
    }

    private static void fails(Runnable work, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, work::run);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int[] tokens(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(teacher.config().vocabSize());
        }
        return ids;
    }

    private static double meanSquaredDifference(float[][] a, float[][] b) {
        double sum = 0;
        long count = 0;
        for (int t = 0; t < a.length; t++) {
            for (int v = 0; v < a[t].length; v++) {
                double d = a[t][v] - b[t][v];
                sum += d * d;
                count++;
            }
        }
        return sum / count;
    }
}
