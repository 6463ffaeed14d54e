package dev.topiary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.DepthPruner;
import dev.topiary.prune.ImportanceEstimator;
import dev.topiary.prune.ImportanceScores;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.InputNorms;
import dev.topiary.prune.MagnitudePruning;
import dev.topiary.prune.NmSparsity;
import dev.topiary.prune.PruningPlan;
import dev.topiary.prune.SparsityResult;
import dev.topiary.prune.WandaPruning;
import dev.topiary.prune.WidthPruner;
import dev.topiary.prune.WidthSelection;
import java.lang.ref.Reference;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The pruning of one model, from {@link Model#prune()}: set the calibration data, look at importance and plans,
 * then pick a method, which returns the pruned model.
 *
 * <ul>
 *   <li>Width ({@link #width(double)}, {@link #width(int, int, int)}): Minitron's activation importance ranks hidden
 *       channels, heads (within each KV group) and FFN neurons; the least important are cut everywhere they
 *       appear. {@code width(f)} keeps heads and shrinks hidden and FFN together, as Minitron-4B-Width does, to the
 *       aligned sizes closest to the fraction f of the parameters ({@link PruningPlan#widthRatio}).
 *   <li>Depth ({@link #depth(double)}, {@link #layers(int)}, {@link #drop(int...)}): layers with the smallest
 *       {@code 1 - cos(input, output)} are removed, or exactly the listed ones.
 *   <li>Sparsity ({@link #magnitude}, {@link #wanda}, {@link #nm}, {@link #twoFour()}): weights zeroed in place of
 *       removing structure.
 * </ul>
 *
 * <p>Immutable. Calibration defaults to {@value Calibration#DEFAULT_SAMPLES} sequences of 256 tokens of the model's
 * default corpus; a model without one needs {@link #withData}. One {@code Pruning} measures importance once: looking
 * at {@link #importance()} and then pruning by it (width, then depth) costs one calibration pass, not one each.
 */
public final class Pruning {

    private final Model model;
    private final Calibration calibration;
    /** The scores measured last (on {@link #calibration}, resolved), reused by later calls on this pruning. */
    private ImportanceScores measured;
    private Calibration measuredOn;

    Pruning(Model model, Calibration calibration) {
        this.model = model;
        this.calibration = calibration;
    }

    public Pruning withCalibration(Calibration c) {
        return new Pruning(model, c);
    }

    public Pruning withData(Corpus corpus) {
        return withCalibration(calibration.withData(corpus));
    }

    public Pruning withSamples(int samples) {
        return withCalibration(calibration.withSamples(samples));
    }

    public Calibration calibration() {
        return calibration;
    }

    /** Minitron importance of every channel, head, neuron and layer, measured on the calibration data. */
    public ImportanceScores importance() {
        return importance(false);
    }

    /**
     * @param lossIncrease also measure the LM-loss increase of leaving out each layer (one more forward pass per
     *     layer and batch)
     */
    public ImportanceScores importance(boolean lossIncrease) {
        return estimate(resolved(), lossIncrease);
    }

    /** What {@link #width(double)} would produce, from the architecture alone. */
    public PruningPlan planWidth(double keepFraction) {
        return PruningPlan.widthRatio(model.config(), keepFraction);
    }

    /** What {@link #width(int, int, int)} would produce, from the architecture alone. */
    public PruningPlan planWidth(int hidden, int ffn, int heads) {
        return PruningPlan.width(model.config(), hidden, ffn, heads);
    }

    /** What {@link #depth(double)} would produce, from the architecture alone. */
    public PruningPlan planDepth(double keepFraction) {
        return PruningPlan.depthRatio(model.config(), keepFraction);
    }

    /** Width pruning to about {@code keepFraction} of the parameters, heads kept. */
    public Model width(double keepFraction) {
        planWidth(keepFraction);
        return apply(new PruneStep(PruneStep.Method.WIDTH_RATIO, keepFraction, List.of(), resolved()));
    }

    /** Width pruning to explicit sizes; KV heads, head_dim and layers are kept. */
    public Model width(int hidden, int ffn, int heads) {
        planWidth(hidden, ffn, heads);
        return apply(new PruneStep(PruneStep.Method.WIDTH, 0, List.of(hidden, ffn, heads), resolved()));
    }

    /** Depth pruning to {@code round(layers * keepFraction)} layers, the least important removed. */
    public Model depth(double keepFraction) {
        planDepth(keepFraction);
        return apply(new PruneStep(PruneStep.Method.DEPTH_RATIO, keepFraction, List.of(), resolved()));
    }

    /** Depth pruning to {@code count} layers, the least important removed. */
    public Model layers(int count) {
        PruningPlan.depth(model.config(), count);
        return apply(new PruneStep(PruneStep.Method.LAYERS, 0, List.of(count), resolved()));
    }

    /** Exactly these layers (0-based) removed; no calibration needed. */
    public Model drop(int... layers) {
        return apply(new PruneStep(PruneStep.Method.DROP, 0, Arrays.stream(layers).boxed().toList(), null));
    }

    /** Unstructured: the smallest-magnitude {@code sparsity} of every linear weight zeroed; no calibration needed. */
    public Model magnitude(double sparsity) {
        checkSparsity(sparsity);
        return apply(new PruneStep(PruneStep.Method.MAGNITUDE, sparsity, List.of(), null));
    }

    /** Unstructured, activation-aware: in each output row the weights with the smallest |W|·‖X‖ zeroed. */
    public Model wanda(double sparsity) {
        checkSparsity(sparsity);
        return apply(new PruneStep(PruneStep.Method.WANDA, sparsity, List.of(), resolved()));
    }

    /** N:M sparsity by magnitude: in every M consecutive input weights, the N largest kept. */
    public Model nm(int n, int m) {
        return apply(new PruneStep(PruneStep.Method.NM, 0, List.of(n, m), null));
    }

    /** 2:4 sparsity (the pattern sparse tensor cores run), scored by Wanda on the calibration data. */
    public Model twoFour() {
        return apply(new PruneStep(PruneStep.Method.NM, 0, List.of(2, 4), resolved()));
    }

    /** Carries out a resolved step: what every method above and a recipe replay call. */
    Model apply(PruneStep step) {
        model.requireFloating("prune()");
        Llama source = model.llama();
        LlamaConfig config = source.config();
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("parameters_before", (double) source.parameterCount());
        Derivation derivation = model.derivation();
        Llama pruned;
        try {
            switch (step.method()) {
                case WIDTH_RATIO, WIDTH -> {
                    LlamaConfig target = step.method() == PruneStep.Method.WIDTH
                            ? planWidth(step.values().get(0), step.values().get(1), step.values().get(2)).target()
                            : planWidth(step.fraction()).target();
                    WidthSelection selection = ImportanceSelection.width(estimate(step.calibration(), false), config,
                            target);
                    pruned = WidthPruner.apply(source, selection);
                    derivation = derivation.keepChannels(selection.hiddenChannels());
                }
                case DEPTH_RATIO, LAYERS, DROP -> {
                    int[] dropped;
                    if (step.method() == PruneStep.Method.DROP) {
                        dropped = step.values().stream().mapToInt(Integer::intValue).toArray();
                    } else {
                        int keep = step.method() == PruneStep.Method.LAYERS ? step.values().get(0)
                                : planDepth(step.fraction()).target().numHiddenLayers();
                        dropped = ImportanceSelection.leastImportantLayers(estimate(step.calibration(), false),
                                config.numHiddenLayers() - keep);
                    }
                    pruned = DepthPruner.drop(source, dropped);
                    derivation = derivation.dropLayers(dropped);
                    metrics.put("layers_dropped", (double) dropped.length);
                }
                default -> {
                    SparsityResult result = sparsify(source, step);
                    pruned = result.model();
                    metrics.put("sparsity", result.sparsity());
                }
            }
        } finally {
            Reference.reachabilityFence(model);
        }
        metrics.put("parameters", (double) pruned.parameterCount());
        return model.derived(pruned, model.defaults(), model.lineage().then(step, metrics), derivation, List.of());
    }

    private SparsityResult sparsify(Llama source, PruneStep step) {
        if (step.method() == PruneStep.Method.MAGNITUDE) {
            return MagnitudePruning.prune(source, step.fraction());
        }
        if (step.method() == PruneStep.Method.NM && step.calibration() == null) {
            return NmSparsity.prune(source, step.values().get(0), step.values().get(1));
        }
        try (NDManager manager = source.manager().newSubManager();
                Corpus.Opened data = step.calibration().data().open()) {
            Map<String, NDArray> norms = InputNorms.measure(source, step.calibration().batchesOf(data),
                    step.calibration().batches(), Monitor.current(), manager);
            return step.method() == PruneStep.Method.WANDA ? WandaPruning.prune(source, norms, step.fraction())
                    : NmSparsity.prune(source, norms, step.values().get(0), step.values().get(1));
        }
    }

    private synchronized ImportanceScores estimate(Calibration c, boolean lossIncrease) {
        if (measured != null && c.equals(measuredOn) && (!lossIncrease || measured.layerLossIncrease() != null)) {
            return measured;
        }
        try (Corpus.Opened data = c.data().open()) {
            measured = ImportanceEstimator.estimate(model.llama(), c.batchesOf(data), c.batches(), lossIncrease,
                    Monitor.current());
            measuredOn = c;
            return measured;
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    private Calibration resolved() {
        return calibration.resolve(model, "prune()");
    }

    private static void checkSparsity(double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) {
            throw new TopiaryException("sparsity must be in [0, 1), got " + sparsity);
        }
    }
}
