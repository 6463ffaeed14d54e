package dev.topiary;

import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.ImportanceEstimator;
import dev.topiary.prune.ImportanceScores;
import dev.topiary.prune.ImportanceSelection;
import dev.topiary.prune.PruningPlan;
import dev.topiary.prune.WidthCut;
import java.lang.ref.Reference;
import java.util.List;

/**
 * The pruning of one model on chosen calibration data ({@link Pruning#withData}, {@link Pruning#withSamples}): look
 * at importance and plans, then pick one of the methods that use the data, which returns the pruned model. Methods
 * that ignore calibration data (magnitude, N:M by magnitude, explicit layer drops) are on {@link Pruning} alone.
 *
 * <ul>
 *   <li>Width ({@link #width(double)}, {@link #width(int, int, int)}): Minitron's activation importance ranks hidden
 *       channels, heads (within each KV group) and FFN neurons; the least important are cut everywhere they
 *       appear.
 *   <li>Depth ({@link #depth(double)}, {@link #layers(int)}): layers with the smallest {@code 1 - cos(input, output)}
 *       are removed.
 *   <li>Activation-aware sparsity ({@link #wanda}, {@link #twoFour()}): weights zeroed in place of removing
 *       structure.
 * </ul>
 *
 * <p>Immutable, apart from a cache: one pruning measures importance once, so looking at {@link #importance()} and
 * then pruning by it (width, then depth) costs one calibration pass, not one each.
 */
public sealed class CalibratedPruning permits Pruning {

    private final Model model;
    private final Calibration calibration;
    /** The scores measured last (on {@link #measuredOn}, resolved), reused by later calls on this pruning. */
    private ImportanceScores measured;
    private Calibration measuredOn;

    /**
     * @throws TopiaryException when the model's layers share weights: every pruning method reads or cuts each
     *     layer's weights as its own
     */
    CalibratedPruning(Model model, Calibration calibration) {
        model.config().checkUnshared("pruning");
        this.model = model;
        this.calibration = calibration;
    }

    public CalibratedPruning withCalibration(Calibration c) {
        return new CalibratedPruning(model, c);
    }

    public CalibratedPruning withData(Corpus corpus) {
        return withCalibration(calibration.withData(corpus));
    }

    public CalibratedPruning withSamples(int samples) {
        return withCalibration(calibration.withSamples(samples));
    }

    public Calibration calibration() {
        return calibration;
    }

    /** The model pruned and the calibration its importance is measured on. */
    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "pruning of %s (%,d parameters), calibrated on %s",
                model.lineage().summary(), model.parameterCount(), calibration);
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

    /**
     * What {@link #width(double)} keeps and cuts, unit by unit, with the importance it ranks them by (measured on
     * this pruning's calibration once, and shared with the pruning itself).
     */
    public WidthCut selectWidth(double keepFraction) {
        return selectWidth(planWidth(keepFraction).target());
    }

    /** What {@link #width(int, int, int)} keeps and cuts. */
    public WidthCut selectWidth(int hidden, int ffn, int heads) {
        return selectWidth(planWidth(hidden, ffn, heads).target());
    }

    private WidthCut selectWidth(LlamaConfig target) {
        ImportanceScores scores = estimate(resolved(), false);
        return new WidthCut(ImportanceSelection.width(scores, model.config(), target), scores);
    }

    /** What {@link #depth(double)} would produce, from the architecture alone. */
    public PruningPlan planDepth(double keepFraction) {
        return PruningPlan.depthRatio(model.config(), keepFraction);
    }

    /**
     * Width pruning to about {@code keepFraction} of the parameters, heads kept: hidden and FFN shrink together, as
     * Minitron-4B-Width does, to the aligned sizes closest to that fraction ({@link PruningPlan#widthRatio}).
     */
    public Model width(double keepFraction) {
        return apply(new WidthByRatio(keepFraction, resolved()));
    }

    /** Width pruning to explicit sizes; KV heads, head_dim and layers are kept. */
    public Model width(int hidden, int ffn, int heads) {
        return apply(new WidthToSizes(hidden, ffn, heads, resolved()));
    }

    /** Depth pruning to {@code round(layers * keepFraction)} layers, the least important removed. */
    public Model depth(double keepFraction) {
        return apply(new DepthByRatio(keepFraction, resolved()));
    }

    /** Depth pruning to {@code count} layers, the least important removed. */
    public Model layers(int count) {
        return apply(new DepthToLayers(count, resolved()));
    }

    /** Unstructured, activation-aware: in each output row the weights with the smallest |W|·‖X‖ zeroed. */
    public Model wanda(double sparsity) {
        return apply(new WandaSparsity(sparsity, resolved()));
    }

    /** 2:4 sparsity (the pattern sparse tensor cores run), scored by Wanda on the calibration data. */
    public Model twoFour() {
        return apply(new NmPattern(2, 4, resolved()));
    }

    /** Carries out a resolved step: what every method above and a recipe replay call. */
    Model apply(PruneStep step) {
        model.checkNoExits("prune");
        Llama source = model.llama();
        try {
            PruneStep.Pruned pruned = step.prune(new PruneInput(source, model.derivation(),
                    c -> estimate(c, false)));
            StepMetrics.Pruned metrics = new StepMetrics.Pruned(source.parameterCount(), pruned.layersDropped(),
                    pruned.sparsity(), pruned.model().parameterCount());
            return model.derived(pruned.model(), step, metrics, pruned.derivation(), List.of());
        } finally {
            Reference.reachabilityFence(model);
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
        return calibration.resolve(model.defaults(), "prune()");
    }
}
