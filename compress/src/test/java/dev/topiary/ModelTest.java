package dev.topiary;

import static dev.topiary.Precision.INT4;
import static dev.topiary.Precision.INT8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.embedded.TeacherRecipe;
import dev.topiary.embedded.TestCache;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.prune.WidthCut;
import dev.topiary.quant.QuantScheme;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TrainingOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DSL on an embedded teacher made from a small recipe (two layers, 64 wide, 12 steps), so the chain runs in
 * seconds with the real corpus, tokenizer and defaults.
 */
class ModelTest {

    static final TeacherRecipe SMALL = new TeacherRecipe(
            LlamaPresets.tiny().toBuilder().setNumHiddenLayers(2).setHiddenSize(64).setIntermediateSize(224)
                    .setNumAttentionHeads(4).optNumKeyValueHeads(1).optHeadDim(16).build(),
            3, TrainingOptions.of(new LearningRateSchedule(3e-3, 3e-4, 2, 12), 4, 64));

    @TempDir
    static Path cache;
    static Model teacher;

    @BeforeAll
    static void teacher() {
        teacher = smallTeacher(cache);
    }

    /** The {@link #SMALL} embedded teacher, trained (or found) in a fresh cache under {@code cache}, silently. */
    static Model smallTeacher(Path cache) {
        System.setProperty("TOPIARY_CACHE", TestCache.withSharedData(cache).toString());
        return quietly(() -> Model.embeddedTeacher(SMALL));
    }

    @AfterAll
    static void release() {
        teacher.close();
        System.clearProperty("TOPIARY_CACHE");
    }

    static <T> T quietly(java.util.function.Supplier<T> work) {
        return Monitor.run(new Monitor(ProgressListener.SILENT, Cancellation.none()), work);
    }

    @Test
    void theOneLinersDefaultsAreMinitronsOnTheEmbeddedCorpus() {
        Calibration calibration = teacher.prune().calibration().resolve(teacher.defaults(), "prune()");
        assertEquals(Calibration.DEFAULT_SAMPLES, calibration.samples());
        assertEquals(Corpus.embedded("train"), calibration.data());
        Distillation distillation = Distillation.defaults().resolve(teacher.defaults());
        assertEquals(Corpus.embedded("train"), distillation.training().data());
        assertEquals(Training.DEFAULT_STEPS, distillation.training().totalSteps());
        assertEquals(ModelDefaults.EMBEDDED_LEARNING_RATE, distillation.training().learningRate());
        assertEquals(1.0, distillation.temperature());
        assertEquals(0.0, distillation.languageModelWeight());
        RoundToNearest rtn = new RoundToNearest(QuantScheme.INT8);
        assertEquals(rtn, rtn.resolve(teacher.defaults()));
        Gptq gptq = Gptq.of(INT4).resolve(teacher.defaults());
        assertEquals(Corpus.embedded("train"), gptq.calibration().data());
        assertEquals(Gptq.DEFAULT_SAMPLES, gptq.calibration().samples());
        assertEquals(QuantScheme.DEFAULT_GROUP_SIZE, gptq.scheme().groupSize());
    }

    @Test
    void theChainRunsAtTinyBudgetsAndLeavesItsReceiversAlone() {
        float[][] before = teacher.llama().logits(new int[] {1, 2, 3, 4});
        List<Progress> reported = new ArrayList<>();
        QuantizedModel student = Monitor.run(new Monitor(reported::add, Cancellation.none()),
                () -> teacher.prune().withSamples(32).width(0.5)
                        .distill(teacher, Distillation.steps(10).withBatch(4, 64)).quantize(INT8));
        try (student) {
            // The receiver is untouched: same weights, same lineage.
            assertArrayEquals(before[3], teacher.llama().logits(new int[] {1, 2, 3, 4})[3]);
            assertTrue(teacher.lineage().entries().isEmpty());

            List<Step> steps = student.lineage().steps();
            assertEquals(List.of("prune", "distill", "quantize"), steps.stream().map(Step::verb).toList());
            PruneStep prune = (PruneStep) steps.get(0);
            assertEquals(32, prune.calibration().samples());
            assertTrue(prune.calibration().data().isEmbedded());
            DistillStep distill = (DistillStep) steps.get(1);
            assertEquals(teacher.lineage(), distill.teacher());
            assertEquals(Corpus.embedded("train"), distill.distillation().training().data());

            assertEquals(INT8, student.precision());
            assertTrue(student.parameterCount() < 0.6 * teacher.parameterCount(), student.toString());
            // INT8 stores a byte per linear weight and a float scale per row; everything else stays fp32.
            LlamaConfig c = student.config();
            long linear = 0;
            long rows = 0;
            for (String name : LlamaLayout.linearWeights(c)) {
                long[] shape = LlamaLayout.shapes(c).get(name);
                linear += shape[0] * shape[1];
                rows += shape[0];
            }
            assertEquals(linear + 4 * rows + 4 * (student.parameterCount() - linear), student.storedBytes());
            assertTrue(reported.stream().anyMatch(p -> p.task().equals("importance") && p.finished()));
            assertTrue(reported.stream().anyMatch(p -> p.task().equals("distill") && p.finished()));
            assertEquals(10 * 4 * 64, ((StepMetrics.Trained) student.lineage().entries().get(1).metrics()).tokens());
        }
    }

    @Test
    void distillationRecoversWhatPruningLost() {
        Corpus validation = Corpus.embedded("validation");
        try (Model pruned = quietly(() -> teacher.prune().withSamples(64).width(0.5));
                Model distilled = quietly(() -> pruned.distill(teacher, Distillation.steps(30).withBatch(4, 128)))) {
            Evaluation before = quietly(() -> pruned.evaluate(validation, 20_000));
            Evaluation after = quietly(() -> distilled.evaluate(validation, 20_000));
            assertTrue(after.loss() < before.loss() - 0.1, before + " then " + after);
            assertTrue(distilled.history().get(0).loss() > distilled.history().get(29).loss());
        }
    }

    @Test
    void aSavedModelsRecipeReplaysToTheSameNumbersAndWeights(@TempDir Path dir) {
        Path out = dir.resolve("student");
        try (QuantizedModel student = quietly(() -> teacher.prune().withSamples(16).layers(1)
                .distill(teacher, Distillation.steps(5).withBatch(2, 64).withTeacherCorrection(3))
                .quantize(Gptq.of(QuantScheme.int4(16)).withCalibration(
                        Calibration.defaults().withSamples(4).withBatch(1, 64)).withActOrder()))) {
            student.save(out);
            for (String file : new String[] {"config.json", "model.safetensors", "tokenizer.json", "recipe.json"}) {
                assertTrue(Files.isRegularFile(out.resolve(file)), file);
            }
            Lineage recipe = Lineage.read(out.resolve(Model.RECIPE_FILE));
            assertEquals(student.lineage(), recipe);
            fails(() -> Model.load(out, "cpu"), "holds a quantized checkpoint");
            try (LanguageModel again = quietly(() -> Replay.of(recipe));
                    QuantizedModel loaded = QuantizedModel.load(out, "cpu")) {
                assertEquals(List.of(), recipe.differences(again.lineage(), 0));
                int[] ids = {5, 17, 300, 9, 4000};
                float[][] expected = student.llama().logits(ids);
                assertArrayEquals(expected[4], again.llama().logits(ids)[4]);
                assertArrayEquals(expected[4], loaded.llama().logits(ids)[4]);
                assertEquals(INT4, loaded.precision());
            }
        }
    }

    @Test
    void aReloadedModelKeepsItsLineageDefaultsAndEvaluation(@TempDir Path dir) throws java.io.IOException {
        Path out = dir.resolve("trained");
        try (Model trained = quietly(() -> teacher.prune().withSamples(8).width(0.5)
                .train(Training.steps(3).withBatch(2, 64)))) {
            trained.save(out);
            Evaluation before = quietly(() -> trained.evaluate(Corpus.embedded(Corpus.Split.VALIDATION), 2048));
            Evaluation whole = quietly(trained::evaluate);
            try (Model reloaded = Model.load(out, "cpu"); LanguageModel either = LanguageModel.load(out, "cpu")) {
                for (LanguageModel loaded : List.of(reloaded, either)) {
                    assertEquals(trained.lineage(), loaded.lineage());
                    assertEquals(trained.lineage().trainingTokens(), loaded.lineage().trainingTokens());
                    assertTrue(loaded.lineage().trainingTokens() > 0);
                    Evaluation after = quietly(() -> loaded.evaluate(Corpus.embedded(Corpus.Split.VALIDATION), 2048));
                    assertEquals(before.loss(), after.loss(), 1e-6);
                }
                // The defaults come back too: the embedded corpus and its next-sentence task.
                Evaluation again = quietly(reloaded::evaluate);
                assertEquals(whole.loss(), again.loss(), 1e-6);
                assertFalse(Double.isNaN(again.nextSentenceAccuracy()));
                assertEquals(whole.nextSentenceAccuracy(), again.nextSentenceAccuracy());
            }
        }
        // A checkpoint Topiary did not save (no readable recipe) starts its lineage at itself, with no default data.
        try (Model trained = quietly(() -> teacher.train(Training.steps(1).withBatch(2, 64)))) {
            trained.save(dir.resolve("plain"));
        }
        assertTrue(Files.deleteIfExists(dir.resolve("plain").resolve(Model.RECIPE_FILE)));
        try (Model plain = Model.load(dir.resolve("plain"), "cpu")) {
            assertTrue(plain.lineage().origin() instanceof Origin.Checkpoint, plain.lineage().toString());
            fails(plain::evaluate, "evaluate() needs held-out data");
        }
    }

    @Test
    void gptqReportsEveryGroupOfSublayersAndStopsWhenCancelledBetweenThem() {
        Gptq gptq = Gptq.of(QuantScheme.int4(16)).withCalibration(Calibration.defaults().withSamples(2)
                .withBatch(1, 64));
        List<Progress> seen = new ArrayList<>();
        ProgressListener recorder = p -> {
            if (p.task().equals("GPTQ")) {
                seen.add(p);
            }
        };
        try (QuantizedModel q = Monitor.run(new Monitor(recorder, Cancellation.none()), () -> teacher.quantize(gptq))) {
            assertTrue(q.storedBytes() > 0);
        }
        int total = 4 * SMALL.config().numHiddenLayers();
        assertEquals(total + 1, seen.size(), seen.toString());
        for (int i = 0; i <= total; i++) {
            assertEquals(i, seen.get(i).done());
            assertEquals(total, seen.get(i).total());
        }
        assertEquals("layer 1 down_proj", seen.get(total).detail());
        assertTrue(seen.get(total).finished());
        // Cancelled after the third group: the work stops at the next check, the teacher is untouched.
        Cancellation cancellation = new Cancellation();
        ProgressListener cancelling = p -> {
            if (p.task().equals("GPTQ") && p.done() == 3) {
                cancellation.cancel();
            }
        };
        assertThrows(CancellationException.class,
                () -> Monitor.run(new Monitor(cancelling, cancellation), () -> teacher.quantize(gptq)));
        assertTrue(Double.isFinite(quietly(() -> teacher.loss(Corpus.embedded(Corpus.Split.VALIDATION), 256))));
    }

    @Test
    void lossReportsTheWindowsEvaluatedAfterEachPass() {
        List<Progress> reported = new ArrayList<>();
        Corpus validation = Corpus.embedded(Corpus.Split.VALIDATION);
        // 20 windows of 256 predicted tokens, 8 per pass: 0, 8 and 16 of 20 before each pass, then 20 of 20 at the end.
        double loss = Monitor.run(new Monitor(reported::add, Cancellation.none()),
                () -> teacher.loss(validation, 20L * Evaluation.WINDOW_LENGTH));
        List<Progress> windows = reported.stream().filter(p -> p.task().equals("loss")).toList();
        assertEquals(List.of(0L, 8L, 16L, 20L), windows.stream().map(Progress::done).toList());
        assertTrue(windows.stream().allMatch(p -> p.total() == 20 && p.unit().equals("windows")), windows.toString());
        assertTrue(windows.get(3).finished() && windows.get(3).detail().contains(String.format("loss %.4f", loss)),
                windows.get(3).toString());
    }

    @Test
    void int4sDefaultGroupsFitAModelTheyDoNotDivide() {
        // The small teacher's hidden 64 and FFN 224 are not multiples of 128: INT4 takes groups of 32, the largest
        // power of two dividing 64, 64 and 224, by round-to-nearest, by GPTQ and in quantization-aware distillation.
        try (QuantizedModel rtn = quietly(() -> teacher.quantize(INT4));
                QuantizedModel gptq = quietly(() -> teacher.quantize(Gptq.of(INT4).withCalibration(
                        Calibration.defaults().withSamples(2).withBatch(1, 64))))) {
            assertEquals(QuantScheme.int4(32), rtn.scheme());
            assertEquals(QuantScheme.int4(32), gptq.scheme());
            assertTrue(rtn.lineage().toJson().toString().contains("\"group_size\":32"), rtn.lineage().toJson().toString());
        }
        try (Model student = quietly(() -> teacher.distill(teacher, Distillation.steps(1).withBatch(2, 64)
                .withQuantizationAware(INT4)))) {
            assertTrue(Double.isFinite(student.history().get(0).loss()));
        }
    }

    @Test
    void selectWidthShowsWhatWidthPruningKeepsAndCuts(@TempDir Path dir) throws java.io.IOException {
        CalibratedPruning pruning = teacher.prune().withSamples(8);
        WidthCut cut = quietly(() -> pruning.selectWidth(0.5));
        try (Model pruned = quietly(() -> pruning.width(0.5))) {
            assertEquals(pruned.config(), cut.selection().prunedConfig());
            // The pruned embedding is the teacher's at the kept channels, in order: the cut is what width() did.
            int[] kept = cut.selection().hiddenChannels();
            float[] source = teacher.llama().parameters().get(LlamaLayout.EMBED_TOKENS).toFloatArray();
            float[] after = pruned.llama().parameters().get(LlamaLayout.EMBED_TOKENS).toFloatArray();
            int hidden = SMALL.config().hiddenSize();
            for (int token = 0; token < 50; token++) {
                for (int k = 0; k < kept.length; k++) {
                    assertEquals(source[token * hidden + kept[k]], after[token * kept.length + k]);
                }
            }
        }
        assertEquals(SMALL.config().hiddenSize(), cut.selection().hiddenChannels().length
                + cut.cutHiddenChannels().length);
        // Minitron keeps the most important: nothing cut outranks anything kept (hidden channels; each layer's
        // neurons).
        for (String kind : List.of("hidden", "neuron")) {
            for (int layer = kind.equals("hidden") ? -1 : 0; layer < (kind.equals("hidden") ? 0 : 2); layer++) {
                int l = layer;
                double maxCut = cut.units().stream().filter(u -> u.kind().equals(kind) && u.layer() == l && !u.kept())
                        .mapToDouble(WidthCut.Unit::importance).max().orElseThrow();
                double minKept = cut.units().stream().filter(u -> u.kind().equals(kind) && u.layer() == l && u.kept())
                        .mapToDouble(WidthCut.Unit::importance).min().orElseThrow();
                assertTrue(maxCut <= minKept, kind + " layer " + l + ": cut " + maxCut + " > kept " + minKept);
            }
            assertTrue(cut.cutShare(kind) > 0 && cut.cutShare(kind) < 0.5, kind + " " + cut.cutShare(kind));
        }
        assertTrue(cut.toString().startsWith("width cut: hidden 64 -> "), cut.toString());
        assertTrue(cut.toHtml().contains("<svg") && cut.toHtml().contains("importance cut"));
        Path csv = cut.writeCsv(dir.resolve("cut.csv"));
        List<String> lines = Files.readAllLines(csv);
        assertEquals("kind,layer,index,importance,kept", lines.get(0));
        assertEquals(cut.units().size() + 1, lines.size());
        fails(() -> cut.cutShare("layer"), "unknown unit kind 'layer'");
    }

    @Test
    void theSizeBreakdownAccountsForEveryStoredByte() {
        SizeBreakdown fp32 = teacher.sizeBreakdown();
        assertEquals(teacher.parameterCount(), fp32.total().parameters());
        assertEquals(teacher.parameterCount() * Float.BYTES, fp32.total().bytes());
        assertEquals(32.0, fp32.part("q_proj").bitsPerWeight());
        LlamaConfig c = SMALL.config();
        assertEquals((long) c.vocabSize() * c.hiddenSize(), fp32.part("token embedding").parameters());
        assertEquals((long) c.numHiddenLayers() * c.intermediateSize() * c.hiddenSize(),
                fp32.part("down_proj").parameters());
        assertEquals(c.tieWordEmbeddings(), fp32.tiedHead());
        try (QuantizedModel int4 = quietly(() -> teacher.quantize(QuantScheme.int4(32)))) {
            SizeBreakdown q = int4.sizeBreakdown();
            // By hand: linear weights at half a byte, plus an fp32 scale and a zero-point byte per 32 of them; every
            // other parameter in fp32.
            long linear = 0;
            for (String kind : List.of("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")) {
                linear += fp32.part(kind).parameters();
            }
            assertEquals(linear / 2 + linear / 32 * 5 + (teacher.parameterCount() - linear) * Float.BYTES,
                    q.total().bytes());
            assertEquals(q.total().bytes(), int4.storedBytes());
            // 4 bits a weight plus, per 32 weights, an fp32 scale and a one-byte zero point: 4 + 40 / 32 = 5.25.
            assertEquals(5.25, q.part("q_proj").bitsPerWeight(), 1e-9);
            assertEquals(32.0, q.part("token embedding").bitsPerWeight());
            assertEquals(32.0, q.part("norms").bitsPerWeight());
            assertTrue(q.toString().contains("token embedding") && q.toHtml().contains("bits per weight"));
            assertTrue(int4.toHtml().contains("size by part"));
        }
        fails(() -> fp32.part("conv"), "no part 'conv'");
    }

    @Test
    void quantizingTheEmbeddingsTooShrinksWhatDominatesAndReplays(@TempDir Path dir) {
        Path out = dir.resolve("int4-embeddings");
        try (QuantizedModel linear = quietly(() -> teacher.quantize(QuantScheme.int4(32)));
                QuantizedModel all = quietly(() -> teacher.quantize(new RoundToNearest(QuantScheme.int4(32))
                        .withEmbeddings()))) {
            SizeBreakdown breakdown = all.sizeBreakdown();
            assertEquals(5.25, breakdown.part("token embedding").bitsPerWeight(), 1e-9);
            assertEquals(32.0, breakdown.part("norms").bitsPerWeight());
            assertTrue(all.storedBytes() < linear.storedBytes() / 2, all.storedBytes() + " vs " + linear.storedBytes());
            double loss = quietly(() -> all.loss(Corpus.embedded(Corpus.Split.VALIDATION), 1024));
            assertTrue(Double.isFinite(loss));
            assertTrue(all.lineage().toJson().toString().contains("\"embeddings\":true"));
            assertFalse(linear.lineage().toJson().toString().contains("\"embeddings\":"), "absent when not asked");
            all.save(out);
            try (QuantizedModel loaded = QuantizedModel.load(out, "cpu");
                    LanguageModel again = quietly(() -> Replay.of(Lineage.read(out.resolve(Model.RECIPE_FILE))))) {
                int[] ids = {5, 17, 300, 9};
                assertArrayEquals(all.llama().logits(ids)[3], loaded.llama().logits(ids)[3]);
                assertArrayEquals(all.llama().logits(ids)[3], again.llama().logits(ids)[3]);
                assertEquals(breakdown, loaded.sizeBreakdown());
            }
        }
    }

    @Test
    void sparsityAndDepthMethodsReportWhatTheyDid() {
        try (Model sparse = teacher.prune().magnitude(0.5);
                Model twoFour = quietly(() -> teacher.prune().withSamples(8).twoFour());
                Model shallow = teacher.prune().drop(0)) {
            assertEquals(0.5, ((StepMetrics.Pruned) sparse.lineage().last().metrics()).sparsity(), 0.01);
            assertEquals(0.5, ((StepMetrics.Pruned) twoFour.lineage().last().metrics()).sparsity(), 1e-9);
            assertEquals(1, ((StepMetrics.Pruned) shallow.lineage().last().metrics()).layersDropped());
            assertEquals(1, shallow.config().numHiddenLayers());
            assertEquals(teacher.parameterCount(), sparse.parameterCount());
        }
    }

    @Test
    void quantizationAwareDistillationIsAnOptionTheRecipeRecords() {
        try (Model student = quietly(() -> teacher.prune().drop(1).distill(teacher,
                Distillation.steps(3).withBatch(2, 64).withQuantizationAware(INT8)))) {
            DistillStep step = (DistillStep) student.lineage().steps().get(1);
            assertEquals(INT8, step.distillation().quantizationAware());
            assertTrue(student.lineage().toJson().toString().contains("\"quantization_aware\":\"INT8\""));
            assertTrue(student.history().size() == 3 && Double.isFinite(student.history().get(2).loss()));
        }
    }

    @Test
    void theHiddenStateLossMatchesAStudentPrunedInWidthAndDepthToItsTeacher() {
        try (Model student = quietly(() -> teacher.prune().drop(0).prune().withSamples(16).width(0.5)
                .distill(teacher, Distillation.steps(3).withBatch(2, 64).withHiddenStateLoss(0.5)))) {
            assertEquals(0.5, ((DistillStep) student.lineage().steps().get(2)).distillation().hiddenStateWeight());
            assertTrue(Double.isFinite(student.history().get(2).loss()));
        }
        LlamaConfig narrow = SMALL.config().toBuilder().setHiddenSize(32).setNumAttentionHeads(2).build();
        try (Model stranger = Model.random(narrow, 9)) {
            fails(() -> stranger.distill(teacher, Distillation.steps(1).withData(Corpus.embedded("train"))
                    .withHiddenStateLoss(1)), "needs a student pruned from this teacher");
        }
    }

    @Test
    void badInputFailsBeforeAnyWorkWithAClearMessage() {
        fails(() -> teacher.prune().width(1.5), "must be in (0, 1]");
        fails(() -> teacher.prune().width(64, 224, 5), "num_attention_heads target 5 must be in [1, 4]");
        fails(() -> teacher.prune().magnitude(1), "sparsity must be in [0, 1)");
        fails(() -> teacher.prune().drop(2), "cannot drop layer 2");
        fails(() -> teacher.prune().withSamples(100_000).width(0.5), "fewer than the 100000 x 256");
        fails(() -> teacher.quantize(QuantScheme.int4(96)), "groups of 96 must divide every linear layer's input size");
        fails(() -> teacher.quantize(QuantScheme.q4_k()), "e.g. QuantScheme.q4_1()");
        LlamaConfig otherVocabulary = SMALL.config().toBuilder().setVocabSize(300).optBosTokenId(0)
                .optEosTokenIds(List.of(1)).build();
        try (Model stranger = Model.random(otherVocabulary, 1)) {
            fails(() -> stranger.distill(teacher), "the teacher's vocabulary (4096 tokens) differs");
            fails(() -> stranger.prune().width(0.5), "prune() needs data");
            fails(() -> stranger.evaluate(), "evaluate() needs held-out data");
            fails(() -> stranger.generate("hello"), "no tokenizer");
        }
    }

    @Test
    void cancelledWorkThrowsAndLeavesTheModelUsable() {
        Cancellation cancellation = new Cancellation();
        cancellation.cancel();
        assertThrows(CancellationException.class, () -> Monitor.run(
                new Monitor(ProgressListener.SILENT, cancellation), () -> teacher.prune().width(0.5)));
        assertThrows(CancellationException.class, () -> Monitor.run(
                new Monitor(ProgressListener.SILENT, cancellation), () -> teacher.train(Training.steps(3))));
        assertEquals(4096, teacher.llama().logits(new int[] {1, 2})[1].length);
    }

    @Test
    void modelsPlansAndReportsRenderAsTextAndHtml() {
        String text = teacher.toString();
        assertTrue(text.contains("2 layers, hidden 64") && text.contains("embedded teacher"), text);
        String html = teacher.toHtml();
        assertTrue(html.contains("<table>") && html.contains("non-embedding") && html.contains("lineage"), html);
        String plan = teacher.prune().planWidth(0.5).toHtml();
        assertTrue(plan.contains("parameters") && plan.contains("source"), plan);
        String generated = teacher.generate("The Congress", dev.topiary.llama.GenerationOptions.greedy(5));
        assertTrue(!generated.isEmpty(), "five greedy tokens decode to some text");
    }

    private static void fails(Runnable work, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> quietly(() -> {
            work.run();
            return null;
        }));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
