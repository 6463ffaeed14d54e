package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import java.util.Map;

/**
 * Semi-structured N:M sparsity: in every group of M consecutive input weights of a row, only the N with the highest
 * scores stay; 2:4 is the pattern NVIDIA's sparse tensor cores run at twice the dense speed. Scores are magnitudes
 * ({@code |W_ij|}) or Wanda's {@code |W_ij| * ||X_j||_2}. Every linear weight is pruned; embeddings, norms and the LM
 * head stay dense.
 */
public final class NmSparsity {

    private NmSparsity() {}

    /** 2:4 sparsity by magnitude. */
    public static SparsityResult twoFour(Llama model) {
        return prune(model, 2, 4);
    }

    /** 2:4 sparsity by Wanda score, with the input norms described at {@link WandaPruning#prune}. */
    public static SparsityResult twoFour(Llama model, Map<String, NDArray> inputNorms) {
        return prune(model, inputNorms, 2, 4);
    }

    /**
     * N:M sparsity by magnitude; the input model is not modified.
     *
     * @throws TopiaryException unless 0 < n < m and every linear weight's input width is a multiple of m
     */
    public static SparsityResult prune(Llama model, int n, int m) {
        check(model, n, m);
        return MaskedPruning.apply(model, n + ":" + m + " magnitude sparsity", (name, w) -> keep(w.abs(), n, m));
    }

    /** N:M sparsity by Wanda score; the input model is not modified. */
    public static SparsityResult prune(Llama model, Map<String, NDArray> inputNorms, int n, int m) {
        check(model, n, m);
        WandaInputs.check(model.config(), model.parameters(), inputNorms);
        return MaskedPruning.apply(model, n + ":" + m + " Wanda sparsity",
                (name, w) -> keep(WandaPruning.score(w, inputNorms.get(name)), n, m));
    }

    /** The mask keeping the n highest of every m consecutive scores of each row. */
    private static NDArray keep(NDArray scores, int n, int m) {
        Shape shape = scores.getShape();
        NDArray groups = scores.reshape(shape.get(0), shape.get(1) / m, m);
        return Ranks.keepAllButSmallest(groups, m - n).reshape(shape);
    }

    private static void check(Llama model, int n, int m) {
        if (n < 1 || n >= m) {
            throw new TopiaryException("N:M sparsity needs 0 < N < M, got " + n + ":" + m);
        }
        Map<String, NDArray> params = model.parameters();
        for (String name : LlamaLayout.linearWeights(model.config())) {
            long columns = params.get(name).getShape().get(1);
            if (columns % m != 0) {
                throw new TopiaryException(name + " has " + columns + " input columns, not a multiple of M = " + m
                        + ": " + n + ":" + m + " groups would not tile its rows");
            }
        }
    }
}
