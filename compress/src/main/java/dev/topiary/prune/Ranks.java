package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Keep-masks from scores, by rank rather than by threshold: with ties at a threshold, a threshold would remove more
 * (or fewer) weights than asked, so the mask instead ranks every score (argsort of the argsort) and keeps exactly
 * those ranked at or above the cut. Sorting runs on the scores' device.
 */
final class Ranks {

    private Ranks() {}

    /**
     * True for all but the {@code drop} smallest scores along the last axis (ties broken by position, as the sort
     * breaks them).
     */
    static NDArray keepAllButSmallest(NDArray scores, long drop) {
        int axis = scores.getShape().dimension() - 1;
        NDArray ranks = scores.argSort(axis, true).argSort(axis, true);
        return ranks.gte(drop);
    }

    /** True for all but the {@code drop} smallest scores of the whole array, shaped as the array. */
    static NDArray keepAllButSmallestOverall(NDArray scores, long drop) {
        Shape shape = scores.getShape();
        return keepAllButSmallest(scores.reshape(-1), drop).reshape(shape);
    }

    /** The number of weights that a fraction {@code sparsity} of {@code count} is, to the nearest whole weight. */
    static long count(double sparsity, long count) {
        return Math.round(sparsity * count);
    }
}
