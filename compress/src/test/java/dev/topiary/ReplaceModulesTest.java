package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.data.IndexedDatasetWriter;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.replace.ReplacementSchedule;
import dev.topiary.replace.ReplacingLoss;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Module replacing on a small random model and a dataset of its own: what trains, what stays, what replays. */
class ReplaceModulesTest {

    static final LlamaConfig CONFIG = LlamaConfig.builder().setHiddenSize(32).setIntermediateSize(112)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(8).setNumHiddenLayers(4).setVocabSize(64)
            .optTieWordEmbeddings(false).optMaxPositionEmbeddings(64).build();

    @TempDir
    static Path dir;
    static Corpus data;
    static Model predecessor;

    @BeforeAll
    static void predecessorAndData() {
        Path prefix = dir.resolve("tokens");
        SplittableRandom random = new SplittableRandom(3);
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, CONFIG.vocabSize())) {
            for (int doc = 0; doc < 40; doc++) {
                // Each token 5 x the previous + 1 (mod 61), from a random start: something to learn.
                int[] ids = new int[100];
                ids[0] = random.nextInt(61);
                for (int t = 1; t < ids.length; t++) {
                    ids[t] = (ids[t - 1] * 5 + 1) % 61;
                }
                w.addDocument(ids);
            }
            w.finish();
        }
        data = Corpus.indexed(prefix);
        predecessor = Model.random(CONFIG, 1).withData(data, data);
    }

    @AfterAll
    static void close() {
        predecessor.close();
    }

    static ModuleReplacing small(long replacing, long fineTuning) {
        return ModuleReplacing.steps(replacing, fineTuning).withBatch(2, 16).withLearningRate(3e-3);
    }

    static Model quietly(java.util.function.Supplier<Model> work) {
        return Monitor.run(new Monitor(ProgressListener.SILENT, Cancellation.none()), work);
    }

    static Map<String, float[]> values(Model model) {
        Map<String, float[]> values = new LinkedHashMap<>();
        model.llama().parameters().forEach((name, p) -> values.put(name, p.toFloatArray()));
        return values;
    }

    @Test
    void onlyTheSuccessorsLayersTrainWhileThePredecessorStaysBitIdentical() {
        Map<String, float[]> before = values(predecessor);
        try (Model successor = quietly(() -> predecessor.replaceModules(small(6, 0)))) {
            assertEquals(before.keySet(), values(predecessor).keySet());
            values(predecessor).forEach((name, v) -> assertArrayEquals(before.get(name), v, name + " changed"));
            predecessor.llama().parameters().forEach((name, p) -> assertFalse(p.hasGradient(), name));

            assertEquals(2, successor.config().numHiddenLayers());
            assertEquals(CONFIG.toBuilder().setNumHiddenLayers(2).build(), successor.config());
            Map<String, float[]> after = values(successor);
            for (String shared : List.of(LlamaLayout.EMBED_TOKENS, LlamaLayout.FINAL_NORM, LlamaLayout.LM_HEAD)) {
                assertArrayEquals(before.get(shared), after.get(shared), shared + " is frozen while replacing");
            }
            // Successor layer m started as predecessor layer 2m, and trained.
            for (int m = 0; m < 2; m++) {
                assertFalse(Arrays.equals(before.get(LlamaLayout.qProj(2 * m)), after.get(LlamaLayout.qProj(m))),
                        "successor layer " + m + " trained");
            }
            assertEquals(6, successor.history().size());
            assertArrayEquals(new int[] {0, 2}, successor.derivation().layers());
        }
    }

    @Test
    void eachSuccessorLayerStartsFromTheFirstLayerOfItsModule() {
        // At rate 0 no module is ever replaced: the successor's layers get no gradient, and Adam leaves them where
        // they started but for the decoupled weight decay of matrices (norm weights have none).
        ModuleReplacing never = small(3, 0).withSchedule(0, 0).withLearningRate(1e-4);
        try (Model successor = quietly(() -> predecessor.replaceModules(never))) {
            Map<String, float[]> before = values(predecessor);
            Map<String, float[]> after = values(successor);
            for (int m = 0; m < 2; m++) {
                assertArrayEquals(before.get(LlamaLayout.inputNorm(2 * m)), after.get(LlamaLayout.inputNorm(m)));
                assertArrayEquals(before.get(LlamaLayout.postAttentionNorm(2 * m)),
                        after.get(LlamaLayout.postAttentionNorm(m)));
                float[] first = before.get(LlamaLayout.downProj(2 * m));
                float[] second = before.get(LlamaLayout.downProj(2 * m + 1));
                float[] successorLayer = after.get(LlamaLayout.downProj(m));
                assertTrue(distance(first, successorLayer) < 1e-4 * norm(first), "near layer " + 2 * m);
                assertTrue(distance(second, successorLayer) > 0.5 * norm(first), "far from layer " + (2 * m + 1));
            }
        }
    }

    static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return Math.sqrt(sum);
    }

    static double norm(float[] a) {
        return distance(a, new float[a.length]);
    }

    @Test
    void theSameSeedMakesTheSameSuccessorAndAnotherSeedAnother() {
        ModuleReplacing run = small(5, 2);
        try (Model a = quietly(() -> predecessor.replaceModules(run));
                Model b = quietly(() -> predecessor.replaceModules(run));
                Model c = quietly(() -> predecessor.replaceModules(run.withSeed(7)))) {
            Map<String, float[]> first = values(a);
            values(b).forEach((name, v) -> assertArrayEquals(first.get(name), v, name));
            assertFalse(Arrays.equals(first.get(LlamaLayout.qProj(0)), values(c).get(LlamaLayout.qProj(0))));
        }
    }

    @Test
    void theStepRecordsItsResolvedOptionsAndMetricsAndReplaysToTheSameWeights(@TempDir Path out) {
        try (Model successor = quietly(() -> predecessor.replaceModules(small(4, 3)))) {
            Lineage.Entry entry = successor.lineage().last();
            ReplaceModules step = (ReplaceModules) entry.step();
            assertEquals("replace", step.verb());
            ModuleReplacing resolved = step.replacing();
            assertEquals(data, resolved.training().data());
            assertEquals(3e-3, resolved.training().learningRate());
            // The default schedule reaches 1 after three quarters of the 4 replacing steps: step 3.
            assertEquals(0.5 / 3, resolved.rateSlope(), 1e-15);
            assertEquals(new ReplacementSchedule(0.5, 0.5 / 3), resolved.schedule());
            StepMetrics.Trained metrics = (StepMetrics.Trained) entry.metrics();
            assertEquals((4 + 3) * 2 * 16, metrics.tokens());
            List<Double> fineTuning = successor.history().subList(4, 7).stream().map(p -> p.loss()).toList();
            assertEquals(fineTuning.get(2), metrics.finalLoss(), 1e-12);
            assertNull(metrics.teacherCorrectionLoss());

            JsonNode json = step.toJson();
            assertEquals(step, StepRegistry.read(json));
            assertEquals(successor.lineage(), Lineage.fromJson(successor.lineage().toJson()));

            successor.save(out.resolve("successor"));
            Lineage recipe = Lineage.read(out.resolve("successor").resolve(Model.RECIPE_FILE));
            try (LanguageModel again = Monitor.run(new Monitor(ProgressListener.SILENT, Cancellation.none()),
                    () -> Replay.of(recipe))) {
                assertEquals(List.of(), recipe.differences(again.lineage(), 0));
                Map<String, float[]> expected = values(successor);
                again.llama().parameters().forEach((name, p) ->
                        assertArrayEquals(expected.get(name), p.toFloatArray(), name));
            }
        }
    }

    @Test
    void withDistillationBothPhasesLearnFromThePredecessorAndTheRecipeSaysSo() {
        try (Model successor = quietly(() -> predecessor.replaceModules(small(3, 2).withDistillation()))) {
            ReplaceModules step = (ReplaceModules) successor.lineage().last().step();
            assertEquals(ReplacingLoss.PREDECESSOR_KL, step.replacing().loss());
            assertEquals("predecessor_kl", step.toJson().path("replacing").path("loss").asText());
            assertEquals(step, StepRegistry.read(step.toJson()));
            assertTrue(step.toString().contains("KL to the predecessor"), step.toString());
            // KL values, not cross-entropies: far below the next-token loss of a random model over 64 tokens.
            assertTrue(successor.history().stream().allMatch(p -> p.loss() < 1), successor.history().toString());
        }
    }

    @Test
    void progressNamesBothPhasesAndCancellationLeavesThePredecessorIntact() {
        List<Progress> reported = new ArrayList<>();
        try (Model successor = Monitor.run(new Monitor(reported::add, Cancellation.none()),
                () -> predecessor.replaceModules(small(3, 2)))) {
            assertTrue(reported.stream().anyMatch(p -> p.task().equals("replace") && p.done() == 3 && p.finished()));
            assertTrue(reported.stream().anyMatch(p -> p.task().equals("replace: fine-tuning") && p.finished()));
        }
        Map<String, float[]> before = values(predecessor);
        Cancellation cancellation = new Cancellation();
        assertThrows(CancellationException.class, () -> Monitor.run(new Monitor(p -> {
            if (p.done() == 2) {
                cancellation.cancel();
            }
        }, cancellation), () -> predecessor.replaceModules(small(5, 2))));
        values(predecessor).forEach((name, v) -> assertArrayEquals(before.get(name), v, name));
        assertTrue(predecessor.lineage().entries().isEmpty());
    }

    @Test
    void layersThatDoNotFallIntoWholeModulesOrMissingDataAreRefusedBeforeAnyWork() {
        TopiaryException indivisible = assertThrows(TopiaryException.class,
                () -> predecessor.replaceModules(small(2, 0).withLayersPerModule(3)));
        assertTrue(indivisible.getMessage().contains("3 does not divide 4"), indivisible.getMessage());
        assertThrows(TopiaryException.class, () -> small(2, 0).withLayersPerModule(1));
        try (Model noData = Model.random(CONFIG, 2)) {
            TopiaryException missing = assertThrows(TopiaryException.class, () -> noData.replaceModules());
            assertTrue(missing.getMessage().startsWith("replaceModules() needs data"), missing.getMessage());
        }
    }
}
