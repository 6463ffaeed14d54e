package dev.topiary.prune;

import dev.topiary.llama.Llama;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A sparsified model and the sparsity it reached, measured by counting zeros after pruning: over all the pruned
 * matrices together, and matrix by matrix. Closing it closes the model.
 */
public final class SparsityResult implements AutoCloseable {

    private final Llama model;
    private final Map<String, Double> matrixSparsity;
    private final long zeros;
    private final long weights;

    SparsityResult(Llama model, Map<String, Double> matrixSparsity, long zeros, long weights) {
        this.model = model;
        this.matrixSparsity = Collections.unmodifiableMap(new LinkedHashMap<>(matrixSparsity));
        this.zeros = zeros;
        this.weights = weights;
    }

    /** The new model, owned by the caller. */
    public Llama model() {
        return model;
    }

    /** Fraction of zeros over all pruned (linear) weights. */
    public double sparsity() {
        return (double) zeros / weights;
    }

    /** Fraction of zeros of each pruned matrix, by parameter name, in checkpoint order. */
    public Map<String, Double> matrixSparsity() {
        return matrixSparsity;
    }

    /** Zero weights over all pruned matrices. */
    public long zeros() {
        return zeros;
    }

    /** Weights in the pruned matrices. */
    public long prunedMatrixWeights() {
        return weights;
    }

    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return String.format("SparsityResult{%.2f%% zeros in %d matrices (%,d of %,d weights)}", 100 * sparsity(),
                matrixSparsity.size(), zeros, weights);
    }
}
