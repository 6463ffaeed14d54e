package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.eval.ExitingEvaluation;
import dev.topiary.eval.MultipleChoiceResult;
import dev.topiary.eval.MultipleChoiceScorer;
import dev.topiary.eval.MultipleChoiceTask;
import dev.topiary.gguf.GgmlType;
import dev.topiary.llama.Generator;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llamacpp.GgufReader;
import dev.topiary.train.LanguageModelLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Early exit as a DSL technique, on the small (two-layer) embedded teacher of {@link ModelTest}. */
class EarlyExitTest {

    private static final EarlyExit FEW = EarlyExit.defaults().withSteps(6);
    private static final Corpus VALIDATION = Corpus.embedded("validation");
    private static final long TOKENS = Evaluation.WINDOW_LENGTH;

    @TempDir
    static Path cache;
    static Model teacher;
    static Model exits;

    @BeforeAll
    static void models() {
        teacher = ModelTest.smallTeacher(cache);
        exits = ModelTest.quietly(() -> teacher.withExits(FEW));
    }

    @AfterAll
    static void release() {
        exits.close();
        teacher.close();
        System.clearProperty("TOPIARY_CACHE");
    }

    @Test
    void onlyTheRampsTrainAndTheModelsOwnLogitsStayBitForBit() {
        assertEquals(List.of(0), exits.config().exitLayers());
        Map<String, NDArray> before = teacher.llama().parameters();
        Map<String, NDArray> after = exits.llama().parameters();
        assertEquals(before.size() + 1, after.size());
        before.forEach((name, p) -> assertArrayEquals(p.toFloatArray(), after.get(name).toFloatArray(), name));
        assertFalse(java.util.Arrays.equals(before.get(LlamaLayout.FINAL_NORM).toFloatArray(),
                after.get(LlamaLayout.exitNorm(0)).toFloatArray()), "the ramp's norm trained");
        int[] ids = tokens(40);
        assertArrayEquals(teacher.logits(ids), exits.logits(ids));
        assertEquals(teacher.parameterCount() + teacher.config().hiddenSize(), exits.parameterCount());

        Lineage.Entry last = exits.lineage().last();
        assertEquals("exit", last.step().verb());
        StepMetrics.Trained trained = (StepMetrics.Trained) last.metrics();
        assertEquals(6L * Training.DEFAULT_BATCH_SIZE * Training.DEFAULT_SEQUENCE_LENGTH, trained.tokens());
        assertTrue(Double.isFinite(trained.finalLoss()) && trained.finalLoss() > 0, trained.toString());
        assertEquals(6, exits.history().size());
    }

    @Test
    void theStepRoundTripsThroughItsJsonAndReplaysToTheSameRamps() {
        Step step = exits.lineage().last().step();
        Step read = StepRegistry.read(step.toJson());
        assertEquals(step, read);
        try (Model again = ModelTest.quietly(() -> (Model) read.apply(teacher, null))) {
            assertArrayEquals(exits.llama().parameters().get(LlamaLayout.exitNorm(0)).toFloatArray(),
                    again.llama().parameters().get(LlamaLayout.exitNorm(0)).toFloatArray());
        }
    }

    @Test
    void neverExitingIsTheFullModelAndThresholdZeroIsTheFirstRamp() {
        double full = ModelTest.quietly(() -> teacher.loss(VALIDATION, TOKENS));
        ExitingEvaluation.Loss never = ModelTest.quietly(() -> exits.exiting(ExitingModel.NEVER)
                .loss(VALIDATION, TOKENS));
        assertEquals(full, never.metrics().loss(), 1e-4 * full);
        assertEquals(TOKENS, never.metrics().tokens());
        assertEquals(2.0, never.meanLayers());

        ExitingEvaluation.Loss zero = ModelTest.quietly(() -> exits.exiting(0).loss(VALIDATION, TOKENS));
        assertEquals(1.0, zero.meanLayers());
        double ramp = rampLoss(exits, TOKENS);
        assertEquals(ramp, zero.metrics().loss(), 1e-4 * ramp);
        assertNotEquals(never.metrics().loss(), zero.metrics().loss());
    }

    // The first ramp's mean next-token loss over the same windows, from the full-sequence pass.
    private static double rampLoss(Model model, long tokens) {
        int length = Evaluation.WINDOW_LENGTH;
        double sum = 0;
        try (Corpus.Opened data = VALIDATION.open(); NDManager m = model.llama().manager().newSubManager()) {
            for (long w = 0; w < tokens / length; w++) {
                int[] window = data.dataset().tokens(w * length, length + 1);
                NDArray inputs = m.create(java.util.Arrays.copyOf(window, length), new Shape(1, length));
                NDArray targets = m.create(java.util.Arrays.copyOfRange(window, 1, length + 1), new Shape(1, length));
                List<NDArray> logits = model.llama().exitLogits(inputs);
                sum += LanguageModelLoss.perToken(logits.get(0), targets).sum().getFloat();
            }
        }
        return sum / tokens;
    }

    @Test
    void aSavedModelLoadsWithItsRampsAndExitsExactlyAsBefore(@TempDir Path dir) {
        exits.save(dir.resolve("exits"));
        try (Model loaded = Model.load(dir.resolve("exits"), "cpu")) {
            assertEquals(exits.config(), loaded.config());
            assertEquals("exit", loaded.lineage().last().step().verb());
            int[] prompt = tokens(8);
            Generator.Exiting a = Generator.generateExiting(exits.llama(), prompt, GenerationOptions.greedy(20), 0.2);
            Generator.Exiting b = Generator.generateExiting(loaded.llama(), prompt, GenerationOptions.greedy(20), 0.2);
            assertArrayEquals(a.tokens(), b.tokens());
            assertArrayEquals(a.layersRun(), b.layersRun());
            assertEquals(2, a.layersRun()[0], "the first token follows the prompt, which runs every layer");
        }
    }

    @Test
    void generationShowsEveryTokensLayersAndTheSweepMeasuresEachThreshold() {
        ExitText text = ModelTest.quietly(() -> exits.exiting(0).generate("The Congress", 12));
        assertEquals(12, text.tokens().length);
        assertEquals(2, text.layersRun()[0]);
        for (int i = 1; i < 12; i++) {
            assertEquals(1, text.layersRun()[i]);
        }
        assertTrue(text.toHtml().contains("layers run"), text.toHtml());

        ExitSweep sweep = ModelTest.quietly(() -> exits.exitSweep(VALIDATION, Evaluation.WINDOW_LENGTH, 2,
                ExitingModel.NEVER, 0));
        assertEquals(2, sweep.rows().size());
        assertArrayEquals(new double[] {2, 1}, sweep.meanLayers());
        assertEquals(1.0, sweep.rows().get(1).nextSentence().meanLayers());
        assertTrue(sweep.toString().contains("decode tokens/s"), sweep.toString());
        // Never exiting scores the next-sentence items as the batched scorer does.
        MultipleChoiceTask all = EmbeddedTeacher.nextSentenceTask();
        MultipleChoiceTask first = new MultipleChoiceTask(all.name(), all.items().subList(0, 2));
        try (Tokenizer t = Tokenizer.load(exits.tokenizer())) {
            MultipleChoiceResult batched = MultipleChoiceScorer.score(teacher.llama(), t, first,
                    Cancellation.none(), n -> { });
            assertEquals(batched.accuracy(), sweep.rows().get(0).nextSentence().result().accuracy());
            assertEquals(batched.normalizedAccuracy(),
                    sweep.rows().get(0).nextSentence().result().normalizedAccuracy());
        }
    }

    @Test
    void quantizationKeepsTheRampsInFloatingPointAndGgufLeavesThemOut(@TempDir Path dir) {
        try (QuantizedModel int8 = ModelTest.quietly(() -> exits.quantize(Precision.INT8))) {
            assertArrayEquals(exits.llama().parameters().get(LlamaLayout.exitNorm(0)).toFloatArray(),
                    int8.llama().parameters().get(LlamaLayout.exitNorm(0)).toFloatArray());
        }
        List<Progress> seen = new ArrayList<>();
        Path file = dir.resolve("exits.gguf");
        var export = Monitor.run(new Monitor(seen::add, Cancellation.none()), () -> exits.export(file, GgmlType.F32));
        assertEquals(teacher.parameterCount(), export.parameters());
        assertTrue(seen.stream().anyMatch(p -> p.detail().contains("off-ramps after layers [0] are not written")),
                seen.toString());
        try (GgufReader gguf = GgufReader.open(file)) {
            assertTrue(gguf.tensorNames().stream().noneMatch(n -> n.contains("exit")), gguf.tensorNames().toString());
            assertEquals(2, gguf.uint32("llama.block_count"));
        }
    }

    @Test
    void badRampsThresholdsAndVerbsThatCannotCarryRampsAreRefused() {
        assertMessage(() -> teacher.withExits(FEW.withLayers(1)), "every layer but the last");
        assertMessage(() -> teacher.withExits(FEW.withLayers(0, 0)), "strictly increasing");
        assertMessage(() -> EarlyExit.defaults().withLayers(), "at least one layer");
        assertMessage(() -> exits.withExits(FEW), "already has off-ramps");
        assertMessage(() -> exits.exiting(Double.NaN), "exit threshold");
        assertMessage(() -> exits.exiting(-0.5), "exit threshold");
        assertMessage(() -> teacher.exiting(0.9), "no off-ramps");
        assertMessage(() -> exits.prune().drop(0), "prune first, then add exits");
        assertMessage(() -> exits.prune().magnitude(0.5), "prune first, then add exits");
        assertMessage(() -> exits.train(Training.steps(1)), "train first, then add exits");
        assertMessage(() -> exits.distill(teacher), "distill first, then add exits");
        assertMessage(() -> exits.share(1), "share first, then add exits");
        assertMessage(() -> exits.replaceModules(), "replaceModules first, then add exits");
        Model noData = teacher.withData(null, null);
        assertMessage(() -> noData.withExits(FEW), "withExits()");
        Cancellation cancellation = new Cancellation();
        cancellation.cancel();
        assertThrows(CancellationException.class, () -> Monitor.run(new Monitor(ProgressListener.SILENT,
                cancellation), () -> exits.exiting(0.5).loss(VALIDATION, TOKENS)));
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable call, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int[] tokens(int n) {
        int[] ids = new int[n];
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            ids[i] = random.nextInt(teacher.config().vocabSize());
        }
        return ids;
    }
}
