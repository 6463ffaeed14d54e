package dev.topiary;

import java.util.Arrays;

/**
 * The pruning of one model, from {@link Model#prune()}: every method, the calibrated ones on the default calibration
 * ({@value Calibration#DEFAULT_SAMPLES} sequences of 256 tokens of the model's default corpus; a model without one
 * needs {@link #withData}). Choosing calibration data ({@link #withData}, {@link #withSamples},
 * {@link #withCalibration}) gives a {@link CalibratedPruning}, which offers only the methods that use it.
 *
 * <ul>
 *   <li>Width and depth by importance, Wanda and 2:4: see {@link CalibratedPruning}.
 *   <li>Explicit depth ({@link #drop(int...)}): exactly the listed layers removed.
 *   <li>Sparsity without data ({@link #magnitude}, {@link #nm}): weights zeroed by magnitude.
 * </ul>
 */
public final class Pruning extends CalibratedPruning {

    Pruning(Model model) {
        super(model, Calibration.defaults());
    }

    /** Exactly these layers (0-based) removed; no calibration needed. */
    public Model drop(int... layers) {
        return apply(new DropLayers(Arrays.stream(layers).boxed().toList()));
    }

    /** Unstructured: the smallest-magnitude {@code sparsity} of every linear weight zeroed; no calibration needed. */
    public Model magnitude(double sparsity) {
        return apply(new MagnitudeSparsity(sparsity));
    }

    /** N:M sparsity by magnitude: in every M consecutive input weights, the N largest kept. */
    public Model nm(int n, int m) {
        return apply(new NmPattern(n, m, null));
    }
}
