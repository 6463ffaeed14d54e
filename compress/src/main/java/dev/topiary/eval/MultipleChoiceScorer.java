package dev.topiary.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.data.Tokenizer;
import dev.topiary.llama.Llama;
import dev.topiary.train.LanguageModelLoss;
import java.util.List;

/**
 * Zero-shot multiple-choice scoring by log-likelihood, as lm-evaluation-harness does it: each choice is scored by
 * the summed log-probability of its tokens following the context; the item counts as right when the right choice
 * scores highest ({@code acc}), or highest per character of the choice ({@code acc_norm}).
 *
 * <p>The context is encoded with the tokenizer's special tokens (Llama's begin-of-text) and each choice without,
 * separately, so every choice is scored on the same context tokens.
 */
public final class MultipleChoiceScorer {

    private MultipleChoiceScorer() {}

    public static MultipleChoiceResult score(Llama model, Tokenizer tokenizer, MultipleChoiceTask task,
            Cancellation cancellation) {
        int right = 0;
        int rightNormalized = 0;
        for (MultipleChoiceItem item : task.items()) {
            cancellation.check("multiple-choice evaluation");
            double[] logLikelihoods = logLikelihoods(model, tokenizer.encode(item.context()),
                    item.choices().stream().map(tokenizer::encodeWithoutSpecialTokens).toList());
            int best = 0;
            int bestNormalized = 0;
            for (int c = 1; c < logLikelihoods.length; c++) {
                if (logLikelihoods[c] > logLikelihoods[best]) {
                    best = c;
                }
                if (logLikelihoods[c] / item.choices().get(c).length()
                        > logLikelihoods[bestNormalized] / item.choices().get(bestNormalized).length()) {
                    bestNormalized = c;
                }
            }
            right += best == item.answer() ? 1 : 0;
            rightNormalized += bestNormalized == item.answer() ? 1 : 0;
        }
        int n = task.items().size();
        return new MultipleChoiceResult(task.name(), right / (double) n, rightNormalized / (double) n, n);
    }

    /**
     * The log-likelihood of each continuation after the context, from one batched forward pass (continuations are
     * right-padded; causal attention keeps padding from affecting the scored positions).
     */
    static double[] logLikelihoods(Llama model, int[] context, List<int[]> continuations) {
        int longest = continuations.stream().mapToInt(c -> c.length).max().orElse(0);
        int length = context.length + longest - 1;
        int rows = continuations.size();
        int[] inputs = new int[rows * length];
        int[] targets = new int[rows * length];
        for (int r = 0; r < rows; r++) {
            int[] sequence = new int[context.length + longest];
            System.arraycopy(context, 0, sequence, 0, context.length);
            System.arraycopy(continuations.get(r), 0, sequence, context.length, continuations.get(r).length);
            System.arraycopy(sequence, 0, inputs, r * length, length);
            System.arraycopy(sequence, 1, targets, r * length, length);
        }
        float[] nll;
        try (NDManager m = model.manager().newSubManager()) {
            Shape shape = new Shape(rows, length);
            NDArray logits = model.forward(m.create(inputs, shape));
            nll = LanguageModelLoss.perToken(logits, m.create(targets, shape)).toFloatArray();
            logits.close();
        }
        double[] result = new double[rows];
        for (int r = 0; r < rows; r++) {
            // Target position p predicts sequence token p + 1; the continuation starts at token context.length.
            for (int i = 0; i < continuations.get(r).length; i++) {
                result[r] -= nll[r * length + context.length - 1 + i];
            }
        }
        return result;
    }
}
