package dev.topiary.bench;

import dev.topiary.Cancellation;
import dev.topiary.Evaluation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.MultipleChoiceScorer;
import dev.topiary.eval.MultipleChoiceTask;
import dev.topiary.llama.Llama;
import java.util.List;

/**
 * Evaluation throughput: the embedded next-sentence task scored by log-likelihood, and held-out loss over the
 * embedded validation data at {@link Evaluation}'s window and batch, as {@code evaluate()} runs them.
 */
final class EvaluationBenchmark {

    /** Predicted tokens of the held-out loss measurement: 8 batches of 8 windows of 256. */
    static final long LOSS_TOKENS = 8L * Evaluation.BATCH_SIZE * Evaluation.WINDOW_LENGTH;

    private EvaluationBenchmark() {}

    /** Both measurements on {@code model} (the embedded vocabulary's size), one line each. */
    static List<String> lines(String name, Llama model, EmbeddedData data, int warmup, int repeats) {
        return List.of(
                "- " + name + ", next-sentence scoring of the embedded task: " + nextSentence(model, data, warmup, repeats),
                "- " + name + ", held-out loss, " + Evaluation.BATCH_SIZE + " x " + Evaluation.WINDOW_LENGTH
                        + " tokens per pass: " + loss(model, data, warmup, repeats));
    }

    /** Items per second of scoring the embedded next-sentence task's items. */
    static String nextSentence(Llama model, EmbeddedData data, int warmup, int repeats) {
        MultipleChoiceTask task = EmbeddedTeacher.nextSentenceTask();
        try (Tokenizer tokenizer = Tokenizer.load(data.tokenizer())) {
            Timing t = Timing.of(warmup, repeats,
                    () -> MultipleChoiceScorer.score(model, tokenizer, task, Cancellation.none(), scored -> { }));
            return t.rate(task.items().size(), "items/s") + String.format(", %s per pass of %d items", t.time(),
                    task.items().size());
        }
    }

    /** Predicted tokens per second of held-out loss on the first {@link #LOSS_TOKENS} of the validation data. */
    static String loss(Llama model, EmbeddedData data, int warmup, int repeats) {
        try (IndexedDataset validation = IndexedDataset.open(data.validation())) {
            long tokens = Math.min(LOSS_TOKENS,
                    (validation.totalTokens() - 1) / Evaluation.WINDOW_LENGTH * Evaluation.WINDOW_LENGTH);
            Timing t = Timing.of(warmup, repeats, () -> LanguageModelEvaluation.evaluate(model, validation,
                    Evaluation.WINDOW_LENGTH, Evaluation.BATCH_SIZE, tokens, Cancellation.none()));
            return t.rate(tokens, "tokens/s");
        }
    }
}
