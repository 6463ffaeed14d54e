package dev.topiary.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.Llama;
import dev.topiary.train.LanguageModelLoss;
import java.util.Comparator;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * Zero-shot multiple-choice scoring by log-likelihood, as lm-evaluation-harness does it: each choice is scored by
 * the summed log-probability of its tokens following the context; the item counts as right when the right choice
 * scores highest ({@code acc}), or highest per character of the choice ({@code acc_norm}).
 *
 * <p>The context is encoded with the tokenizer's special tokens (Llama's begin-of-text) and each choice without,
 * separately, so every choice is scored on the same context tokens.
 */
public final class MultipleChoiceScorer {

    /** Items scored together in one forward pass, every choice of each a row of the batch. */
    static final int ITEMS_PER_PASS = 8;

    private MultipleChoiceScorer() {}

    /**
     * Scores every item of {@code task}; {@code scored} hears the count of items scored after each pass (the last
     * report is the task's size), and {@code cancellation} is checked before each pass.
     */
    public static MultipleChoiceResult score(Llama model, Tokenizer tokenizer, MultipleChoiceTask task,
            Cancellation cancellation, IntConsumer scored) {
        int right = 0;
        int rightNormalized = 0;
        // Items of similar lengths share a pass, so little of it is padding; the order does not change the counts.
        List<MultipleChoiceItem> items = task.items().stream()
                .sorted(Comparator.comparingInt(item -> item.context().length() + item.choices().stream()
                        .mapToInt(String::length).max().orElse(0)))
                .toList();
        for (int first = 0; first < items.size(); first += ITEMS_PER_PASS) {
            cancellation.check("multiple-choice evaluation");
            List<MultipleChoiceItem> pass = items.subList(first, Math.min(items.size(), first + ITEMS_PER_PASS));
            double[][] logLikelihoods = logLikelihoods(model,
                    pass.stream().map(item -> tokenizer.encode(item.context())).toList(),
                    pass.stream().map(item -> item.choices().stream().map(tokenizer::encodeWithoutSpecialTokens)
                            .toList()).toList());
            for (int i = 0; i < pass.size(); i++) {
                MultipleChoiceItem item = pass.get(i);
                double[] scores = logLikelihoods[i];
                int best = 0;
                int bestNormalized = 0;
                for (int c = 1; c < scores.length; c++) {
                    if (scores[c] > scores[best]) {
                        best = c;
                    }
                    if (scores[c] / item.choices().get(c).length()
                            > scores[bestNormalized] / item.choices().get(bestNormalized).length()) {
                        bestNormalized = c;
                    }
                }
                right += best == item.answer() ? 1 : 0;
                rightNormalized += bestNormalized == item.answer() ? 1 : 0;
            }
            scored.accept(first + pass.size());
        }
        int n = items.size();
        return new MultipleChoiceResult(task.name(), right / (double) n, rightNormalized / (double) n, n);
    }

    /** The log-likelihood of each continuation after one context. */
    static double[] logLikelihoods(Llama model, int[] context, List<int[]> continuations) {
        return logLikelihoods(model, List.of(context), List.of(continuations))[0];
    }

    /**
     * For each context, the log-likelihood of each of its continuations, from one batched forward pass: every
     * context followed by one of its continuations is a row, right-padded to the longest (causal attention keeps
     * padding from affecting the scored positions).
     */
    static double[][] logLikelihoods(Llama model, List<int[]> contexts, List<List<int[]>> continuations) {
        int length = 1;
        int rows = 0;
        for (int i = 0; i < contexts.size(); i++) {
            for (int[] continuation : continuations.get(i)) {
                length = Math.max(length, contexts.get(i).length + continuation.length - 1);
                rows++;
            }
        }
        int[] inputs = new int[rows * length];
        int[] targets = new int[rows * length];
        int row = 0;
        for (int i = 0; i < contexts.size(); i++) {
            int[] context = contexts.get(i);
            for (int[] continuation : continuations.get(i)) {
                int[] sequence = new int[length + 1];
                System.arraycopy(context, 0, sequence, 0, context.length);
                System.arraycopy(continuation, 0, sequence, context.length, continuation.length);
                System.arraycopy(sequence, 0, inputs, row * length, length);
                System.arraycopy(sequence, 1, targets, row * length, length);
                row++;
            }
        }
        float[] nll;
        try (NDManager m = model.manager().newSubManager()) {
            Shape shape = new Shape(rows, length);
            NDArray logits = model.forward(m.create(inputs, shape));
            nll = LanguageModelLoss.perToken(logits, m.create(targets, shape)).toFloatArray();
            logits.close();
        }
        double[][] result = new double[contexts.size()][];
        row = 0;
        for (int i = 0; i < contexts.size(); i++) {
            int offset = contexts.get(i).length - 1;
            result[i] = new double[continuations.get(i).size()];
            for (int c = 0; c < result[i].length; c++, row++) {
                // Target position p predicts sequence token p + 1; the continuation starts at token context.length.
                for (int t = 0; t < continuations.get(i).get(c).length; t++) {
                    result[i][c] -= nll[row * length + offset + t];
                }
            }
        }
        return result;
    }
}
