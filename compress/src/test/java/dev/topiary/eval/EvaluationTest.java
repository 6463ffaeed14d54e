package dev.topiary.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import dev.topiary.data.BpeModel;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.IndexedDatasetWriter;
import dev.topiary.data.Tokenizer;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationTest {

    private static final int BOS = 256;

    /** A tokenizer without merges: token ids are the bytes, 256 begins a text. */
    static Tokenizer byteTokenizer(Path dir) {
        return Tokenizer.load(BpeModel.bytesOnly().write(dir.resolve("tokenizer.json")));
    }

    @Test
    void multipleChoiceScoresMatchAHandComputation(@TempDir Path dir) throws IOException {
        BigramModel bigram = new BigramModel(258, 4);
        List<MultipleChoiceItem> items = List.of(
                new MultipleChoiceItem("The cat", List.of(" sat", " ran away", "!"), 0),
                new MultipleChoiceItem("Union", List.of(" strong", " of states", " x", " yes"), 1),
                new MultipleChoiceItem("1790", List.of(" and", " or"), 1),
                new MultipleChoiceItem("a", List.of("bcdefgh", "b"), 0));
        int right = 0;
        int rightNormalized = 0;
        for (MultipleChoiceItem item : items) {
            double best = Double.NEGATIVE_INFINITY;
            double bestNormalized = Double.NEGATIVE_INFINITY;
            int pick = -1;
            int pickNormalized = -1;
            for (int c = 0; c < item.choices().size(); c++) {
                // The choice's bytes after BOS + the context's bytes, each predicted from the byte before it.
                byte[] context = item.context().getBytes(StandardCharsets.UTF_8);
                byte[] choice = item.choices().get(c).getBytes(StandardCharsets.UTF_8);
                int previous = context[context.length - 1] & 0xFF;
                double ll = 0;
                for (byte b : choice) {
                    ll += bigram.logProbability(previous, b & 0xFF);
                    previous = b & 0xFF;
                }
                if (ll > best) {
                    best = ll;
                    pick = c;
                }
                double normalized = ll / item.choices().get(c).length();
                if (normalized > bestNormalized) {
                    bestNormalized = normalized;
                    pickNormalized = c;
                }
            }
            right += pick == item.answer() ? 1 : 0;
            rightNormalized += pickNormalized == item.answer() ? 1 : 0;
        }
        try (NDManager manager = Engines.engine().newBaseManager();
                Llama model = bigram.toModel(manager);
                Tokenizer tokenizer = byteTokenizer(dir)) {
            List<Integer> scored = new ArrayList<>();
            MultipleChoiceResult result = MultipleChoiceScorer.score(model, tokenizer,
                    new MultipleChoiceTask("hand", items), Cancellation.none(), scored::add);
            assertEquals(List.of(4), scored, "one pass of 4 items, reported when done");
            assertEquals(right / 4.0, result.accuracy());
            assertEquals(rightNormalized / 4.0, result.normalizedAccuracy());
            assertEquals(4, result.items());
            // The log-likelihoods themselves, not only the argmax.
            double[] lls = MultipleChoiceScorer.logLikelihoods(model, tokenizer.encode("The cat"),
                    List.of(tokenizer.encodeWithoutSpecialTokens(" sat"), tokenizer.encodeWithoutSpecialTokens("!")));
            double sat = bigram.logProbability('t', ' ') + bigram.logProbability(' ', 's')
                    + bigram.logProbability('s', 'a') + bigram.logProbability('a', 't');
            assertEquals(sat, lls[0], 1e-4);
            assertEquals(bigram.logProbability('t', '!'), lls[1], 1e-4);
            // Items of different lengths share a pass, right-padded, and score as they do alone.
            int[] longer = tokenizer.encode("A much longer context, so the first rows are padded");
            List<int[]> choices = List.of(tokenizer.encodeWithoutSpecialTokens(" sat"),
                    tokenizer.encodeWithoutSpecialTokens(" and then some more"));
            double[][] together = MultipleChoiceScorer.logLikelihoods(model,
                    List.of(tokenizer.encode("The cat"), longer), List.of(choices, choices));
            assertArrayEquals(MultipleChoiceScorer.logLikelihoods(model, tokenizer.encode("The cat"), choices),
                    together[0], 1e-4);
            assertArrayEquals(MultipleChoiceScorer.logLikelihoods(model, longer, choices), together[1], 1e-4);
        }
    }

    @Test
    void datasetLossMatchesAHandComputationOverTheWindows(@TempDir Path dir) {
        BigramModel bigram = new BigramModel(50, 6);
        Random random = new Random(2);
        int[] stream = random.ints(103, 0, 50).toArray();
        try (IndexedDatasetWriter writer = IndexedDatasetWriter.open(dir.resolve("data"), 50)) {
            writer.addDocument(java.util.Arrays.copyOfRange(stream, 0, 40));
            writer.addDocument(java.util.Arrays.copyOfRange(stream, 40, 103));
            writer.finish();
        }
        // Windows of 10 + 1 tokens, overlapping by one: (103 - 1) / 10 = 10 windows, 100 predicted tokens.
        double nll = 0;
        for (int t = 0; t < 100; t++) {
            nll -= bigram.logProbability(stream[t], stream[t + 1]);
        }
        try (NDManager manager = Engines.engine().newBaseManager();
                Llama model = bigram.toModel(manager);
                IndexedDataset data = IndexedDataset.open(dir.resolve("data"))) {
            LanguageModelMetrics metrics = LanguageModelEvaluation.evaluate(model, data, 10, 3, 0, Cancellation.none());
            assertEquals(100, metrics.tokens());
            assertEquals(nll / 100, metrics.loss(), 1e-5);
            assertEquals(1.0, metrics.perplexity() / Math.exp(nll / 100), 1e-5);
            List<String> progress = new ArrayList<>();
            LanguageModelMetrics reported = LanguageModelEvaluation.evaluate(model, data, 10, 3, 0, Cancellation.none(),
                    (done, total) -> progress.add(done + "/" + total));
            assertEquals(List.of("0/10", "3/10", "6/10", "9/10", "10/10"), progress, "windows before and after each pass");
            assertEquals(metrics.loss(), reported.loss());
            LanguageModelMetrics capped = LanguageModelEvaluation.evaluate(model, data, 10, 3, 35, Cancellation.none());
            assertEquals(30, capped.tokens());
            assertEquals(null, metrics.warning());
            assertEquals(null, capped.warning(), "a cap the caller chose is not a shortfall");
            LanguageModelMetrics whole = LanguageModelEvaluation.evaluate(model, data, 200, 3, 0, Cancellation.none());
            assertEquals(102, whole.tokens());
            assertEquals("the dataset holds 103 tokens, fewer than one sequence of 200+1; evaluated one sequence of"
                    + " 102 predicted tokens", whole.warning());
            assertTrue(whole.toString().endsWith(" (warning: " + whole.warning() + ")"), whole.toString());
        }
    }

    @Test
    void metricsWithoutAWarningWriteTheSameJsonAsBeforeWarningsExisted() throws IOException {
        ObjectMapper json = new ObjectMapper();
        String plain = json.writeValueAsString(LanguageModelMetrics.ofLoss(1.5, 10));
        assertEquals("{\"loss\":1.5,\"perplexity\":" + Math.exp(1.5) + ",\"tokens\":10}", plain);
        assertEquals(LanguageModelMetrics.ofLoss(1.5, 10), json.readValue(plain, LanguageModelMetrics.class));
        LanguageModelMetrics warned = LanguageModelMetrics.ofLoss(1.5, 10).withWarning("short");
        assertEquals(warned, json.readValue(json.writeValueAsString(warned), LanguageModelMetrics.class));
    }

    @Test
    void malformedTaskFilesNameTheLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("task.jsonl");
        Files.writeString(file, "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 0}\n"
                + "{\"context\": \"a\", \"choices\": [\"b\"], \"answer\": 0}\n");
        TopiaryException e = assertThrows(TopiaryException.class, () -> MultipleChoiceTask.readJsonl(file));
        assertTrue(e.getMessage().startsWith(file + ":2: ") && e.getMessage().contains("at least two choices"),
                e.getMessage());
        Files.writeString(file, "{\"context\": \"a\", \"choices\": [\"b\", \"c\"], \"answer\": 2}\n");
        e = assertThrows(TopiaryException.class, () -> MultipleChoiceTask.readJsonl(file));
        assertTrue(e.getMessage().contains(":1: answer 2 is not the index"), e.getMessage());
        Files.writeString(file, "{\"context\": 3}\n");
        e = assertThrows(TopiaryException.class, () -> MultipleChoiceTask.readJsonl(file));
        assertTrue(e.getMessage().contains("field 'context' must be a string"), e.getMessage());
        Files.write(file, new byte[] {(byte) 0xC3, (byte) 0x28});
        e = assertThrows(TopiaryException.class, () -> MultipleChoiceTask.readJsonl(file));
        assertTrue(e.getMessage().contains("not valid UTF-8"), e.getMessage());
        Files.writeString(file, "{\"context\": \"x\", \"choices\": [\" a\", \" b\"], \"answer\": 1}\n");
        assertEquals("task", MultipleChoiceTask.readJsonl(file).name());
    }
}
