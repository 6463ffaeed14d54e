package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.LlamaLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pieces a recipe notebook is made of, on the small embedded teacher of {@link ModelTest}: data prepared from
 * JSONL, importance measured once per pruning, the tokens a lineage trained on, and the results table.
 */
class ComparisonTest {

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
    void eachRowHoldsTheModelsOwnEvaluationAndSize() {
        Corpus validation = Corpus.embedded("validation");
        Comparison results = Comparison.on(validation, 2048);
        Comparison.Row row = ModelTest.quietly(() -> results.add("teacher", teacher));
        Evaluation direct = ModelTest.quietly(() -> teacher.evaluate(validation, 2048));
        assertEquals(direct.loss(), row.valLoss());
        assertEquals(direct.loss(), ModelTest.quietly(() -> teacher.loss(validation, 2048)), "loss() alone agrees");
        assertEquals(Math.exp(row.valLoss()), row.valPpl(), 1e-9 * row.valPpl());
        assertEquals(direct.nextSentenceAccuracy(), row.clozeAcc());
        assertTrue(row.clozeAcc() >= 0 && row.clozeAcc() <= 1, "measured on the embedded corpus: " + row);
        assertEquals(LlamaLayout.parameterCount(teacher.config()), row.params());
        long embedding = (long) teacher.config().vocabSize() * teacher.config().hiddenSize();
        assertEquals(row.params() - embedding, row.nonEmbeddingParams(), "tied embeddings count once");
        assertEquals(ModelTest.SMALL.tokens(), row.trainTokens(), "the teacher's pre-training");
    }

    @Test
    void trainingTokensFollowTheLineage() {
        Training run = Training.steps(3).withBatch(2, 32);
        long perRun = 3 * 2 * 32;
        try (Model tuned = ModelTest.quietly(() -> teacher.train(run));
                Model distilled = ModelTest.quietly(() -> teacher.prune().withSamples(8).width(0.5)
                        .distill(teacher, Distillation.steps(3).withBatch(2, 32).withTeacherCorrection(2)));
                Model scratch = ModelTest.quietly(() -> Model.random(teacher.config(), 5, teacher).train(run))) {
            assertEquals(ModelTest.SMALL.tokens() + perRun, tuned.lineage().trainingTokens());
            assertEquals(ModelTest.SMALL.tokens() + perRun, distilled.lineage().trainingTokens(),
                    "the teacher's correction trained the teacher, not the student");
            assertEquals(perRun, scratch.lineage().trainingTokens(), "a random model starts from nothing");
        }
    }

    @Test
    void theCsvHasTheRecipeColumnsAndOneLinePerModelInPlace(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("held-out.txt");
        Files.writeString(text, "We the people of the United States, in order to form a more perfect union. ".repeat(40));
        Comparison results = Comparison.on(Corpus.text(text, teacher.tokenizer()));
        try (Model pruned = ModelTest.quietly(() -> teacher.prune().withSamples(8).width(0.5))) {
            ModelTest.quietly(() -> results.add("teacher", teacher));
            ModelTest.quietly(() -> results.add("pruned, to half", pruned));
            ModelTest.quietly(() -> results.add("teacher", teacher));
        }
        Path file = results.writeCsv(dir.resolve("out").resolve("results.csv"));
        List<String> lines = Files.readAllLines(file);
        assertEquals("model,params,non_embedding_params,train_tokens,val_loss,val_ppl,cloze_acc", lines.get(0));
        assertEquals(3, lines.size(), "a row added again replaces the old one");
        assertTrue(lines.get(1).startsWith("teacher,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("\"pruned, to half\","), "a name with a comma is quoted: " + lines.get(2));
        for (String line : lines.subList(1, 3)) {
            String[] fields = line.substring(line.lastIndexOf('"') + 1).split(",", -1);
            assertEquals(7, fields.length, line);
            assertEquals(Math.exp(Double.parseDouble(fields[4])), Double.parseDouble(fields[5]), 1e-3);
            assertEquals("", fields[6], "no next-sentence task on this data: " + line);
        }
        assertTrue(Double.isNaN(results.rows().get(0).clozeAcc()));
        assertEquals(results.toCsv(), Files.readString(file));
        try (var files = Files.list(file.getParent())) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void preparedDataHoldsEveryDocumentsTokensAndTheEndOfText(@TempDir Path dir) throws Exception {
        List<String> documents = List.of("Fellow citizens of the Senate.", "The state of the Union is strong.");
        Path jsonl = dir.resolve("docs.jsonl");
        Files.write(jsonl, documents.stream().map(d -> "{\"text\": \"" + d + "\"}").toList());
        Corpus prepared = Corpus.prepare(jsonl, teacher.tokenizer(), dir.resolve("prepared").resolve("docs"));
        assertEquals(Corpus.indexed(dir.resolve("prepared").resolve("docs")), prepared);
        try (Tokenizer tokenizer = Tokenizer.load(teacher.tokenizer());
                IndexedDataset dataset = IndexedDataset.open(dir.resolve("prepared").resolve("docs"))) {
            int eod = tokenizer.tokenId("<|end_of_text|>");
            List<Long> sizes = new ArrayList<>();
            for (int d = 0; d < documents.size(); d++) {
                int[] ids = tokenizer.encode(documents.get(d));
                int[] expected = java.util.Arrays.copyOf(ids, ids.length + 1);
                expected[ids.length] = eod;
                assertArrayEquals(expected, dataset.sequence(d));
                sizes.add((long) expected.length);
            }
            assertEquals(sizes.stream().mapToLong(Long::longValue).sum(), prepared.tokens());
        }
        TopiaryException e = assertThrows(TopiaryException.class,
                () -> Corpus.prepare(dir.resolve("missing.jsonl"), teacher.tokenizer(), dir.resolve("x")));
        assertTrue(e.getMessage().contains("no text file at"), e.getMessage());
    }

    @Test
    void onePruningMeasuresImportanceOnceForItsLookAndItsCuts() {
        List<Progress> reported = new ArrayList<>();
        Monitor counting = new Monitor(reported::add, Cancellation.none());
        CalibratedPruning pruning = teacher.prune().withSamples(16);
        Model width = Monitor.run(counting, () -> {
            pruning.importance();
            return pruning.width(0.5);
        });
        Model depth = Monitor.run(counting, () -> pruning.layers(1));
        long passes = reported.stream().filter(p -> p.task().equals("importance") && p.done() == 1).count();
        assertEquals(1, passes, "one calibration pass for importance(), width() and layers()");
        try (width; depth; Model fresh = ModelTest.quietly(() -> teacher.prune().withSamples(16).width(0.5))) {
            assertArrayEquals(fresh.llama().logits(new int[] {5, 6, 7}), width.llama().logits(new int[] {5, 6, 7}),
                    "the reused scores prune as freshly measured ones do");
        }
    }

    @Test
    void badInputIsRefusedWithAClearMessage() {
        assertTrue(assertThrows(TopiaryException.class, () -> Comparison.on(null)).getMessage()
                .contains("needs held-out data"));
        assertTrue(assertThrows(TopiaryException.class, () -> Comparison.on(Corpus.embedded("validation"), -1))
                .getMessage().contains("must be >= 0"));
        Comparison results = Comparison.on(Corpus.embedded("validation"));
        assertTrue(assertThrows(TopiaryException.class, () -> results.add(" ", teacher)).getMessage()
                .contains("one-line name"));
        try (Model untokenized = Model.random(teacher.config(), 1)) {
            assertTrue(assertThrows(TopiaryException.class, untokenized::tokenizer).getMessage()
                    .contains("has no tokenizer"));
        }
    }
}
