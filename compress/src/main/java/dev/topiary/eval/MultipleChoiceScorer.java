package dev.topiary.eval;

import dev.topiary.Cancellation;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.ContinuationScoring;
import dev.topiary.llama.Llama;
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

    /**
     * Items scored together in one pass: their contexts batched in one forward pass, then their choices in passes of
     * choices of similar lengths ({@link ContinuationScoring}).
     */
    static final int ITEMS_PER_PASS = 16;

    private MultipleChoiceScorer() {}

    /**
     * Scores every item of {@code task}; {@code scored} hears the count of items scored after each pass (the last
     * report is the task's size), and {@code cancellation} is checked before each pass.
     */
    public static MultipleChoiceResult score(Llama model, Tokenizer tokenizer, MultipleChoiceTask task,
            Cancellation cancellation, IntConsumer scored) {
        int right = 0;
        int rightNormalized = 0;
        // Items of similar context lengths share a pass, so little of it is padding; the order does not change the
        // counts. Each text is encoded once.
        record Encoded(MultipleChoiceItem item, int[] context, List<int[]> choices) {
            int longestChoice() {
                return choices.stream().mapToInt(c -> c.length).max().orElse(0);
            }
        }
        List<Encoded> items = task.items().stream()
                .map(item -> new Encoded(item, tokenizer.encode(item.context()),
                        item.choices().stream().map(tokenizer::encodeWithoutSpecialTokens).toList()))
                .sorted(Comparator.<Encoded>comparingInt(e -> e.context().length).thenComparingInt(Encoded::longestChoice))
                .toList();
        for (int first = 0; first < items.size(); first += ITEMS_PER_PASS) {
            cancellation.check("multiple-choice evaluation");
            List<Encoded> pass = items.subList(first, Math.min(items.size(), first + ITEMS_PER_PASS));
            double[][] logLikelihoods = logLikelihoods(model, pass.stream().map(Encoded::context).toList(),
                    pass.stream().map(Encoded::choices).toList());
            for (int i = 0; i < pass.size(); i++) {
                int[] choice = chosen(pass.get(i).item(), logLikelihoods[i]);
                right += choice[0] == pass.get(i).item().answer() ? 1 : 0;
                rightNormalized += choice[1] == pass.get(i).item().answer() ? 1 : 0;
            }
            scored.accept(first + pass.size());
        }
        int n = items.size();
        return new MultipleChoiceResult(task.name(), right / (double) n, rightNormalized / (double) n, n);
    }

    /**
     * The choices {@code item}'s log-likelihoods {@code scores} pick: the highest score ({@code acc}), then the
     * highest score per character ({@code acc_norm}); the first on a tie.
     */
    static int[] chosen(MultipleChoiceItem item, double[] scores) {
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
        return new int[] {best, bestNormalized};
    }

    /** The log-likelihood of each continuation after one context. */
    static double[] logLikelihoods(Llama model, int[] context, List<int[]> continuations) {
        return logLikelihoods(model, List.of(context), List.of(continuations))[0];
    }

    /**
     * For each context, the log-likelihood of each of its continuations: each context runs once and its keys and
     * values serve all its continuations, which run batched, with the LM head only where a token is scored
     * ({@link ContinuationScoring}).
     */
    static double[][] logLikelihoods(Llama model, List<int[]> contexts, List<List<int[]>> continuations) {
        return ContinuationScoring.logLikelihoods(model, contexts, continuations);
    }
}
