package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.Monitor;
import dev.topiary.Progress;
import dev.topiary.ProgressListener;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.train.BatchSource;
import dev.topiary.train.LanguageModelLoss;
import dev.topiary.train.TokenBatch;
import java.util.Set;

/**
 * Estimates {@link ImportanceScores} from calibration batches with forward passes only (no gradients), as Minitron
 * does: 1024 samples by default in the recipes.
 */
public final class ImportanceEstimator {

    private ImportanceEstimator() {}

    /**
     * @param batches calibration batches; batches 0 .. {@code count - 1} are read
     * @param measureLossIncrease also measure the LM-loss increase of leaving out each layer (one more forward
     *     pass per layer and batch)
     */
    public static ImportanceScores estimate(Llama model, BatchSource batches, int count, boolean measureLossIncrease,
            Cancellation cancellation) {
        return estimate(model, batches, count, measureLossIncrease, new Monitor(ProgressListener.SILENT, cancellation));
    }

    /** As above, reporting each calibration batch to {@code monitor} and stopping when it is cancelled. */
    public static ImportanceScores estimate(Llama model, BatchSource batches, int count, boolean measureLossIncrease,
            Monitor monitor) {
        if (count <= 0) {
            throw new IllegalArgumentException("importance estimation needs at least one calibration batch");
        }
        LlamaConfig config = model.config();
        int layers = config.numHiddenLayers();
        double[] lossIncrease = measureLossIncrease ? new double[layers] : null;
        long tokens = 0;
        try (ActivationStatistics statistics = new ActivationStatistics(model.manager(), layers)) {
            for (int b = 0; b < count; b++) {
                monitor.check("importance estimation");
                TokenBatch batch = batches.batch(b);
                try (NDManager m = model.manager().newSubManager()) {
                    Shape shape = new Shape(batch.batchSize(), batch.sequenceLength());
                    NDArray inputs = m.create(batch.inputs(), shape);
                    NDArray targets = m.create(batch.targets(), shape);
                    double baseline = loss(model.forward(inputs, statistics, Set.of()), targets);
                    for (int l = 0; lossIncrease != null && l < layers; l++) {
                        lossIncrease[l] += loss(model.forward(inputs, ActivationObserver.NONE, Set.of(l)), targets)
                                - baseline;
                    }
                }
                tokens += batch.tokens();
                monitor.report(new Progress("importance", b + 1, count, "batches", ""));
            }
            if (lossIncrease != null) {
                for (int l = 0; l < layers; l++) {
                    lossIncrease[l] /= count;
                }
            }
            float[] embedding = new float[config.hiddenSize()];
            float[][] heads = new float[layers][];
            float[][] neurons = new float[layers][];
            double[] cosine = new double[layers];
            for (int l = 0; l < layers; l++) {
                add(embedding, statistics.importance(l, Site.ATTENTION_NORM));
                add(embedding, statistics.importance(l, Site.MLP_NORM));
                heads[l] = perHead(statistics.importance(l, Site.ATTENTION_OUTPUT_INPUT), config.headDim());
                neurons[l] = statistics.importance(l, Site.MLP_DOWN_INPUT);
                cosine[l] = statistics.cosineDistance(l);
            }
            return new ImportanceScores(embedding, heads, neurons, cosine, lossIncrease, tokens);
        }
    }

    private static double loss(NDArray logits, NDArray targets) {
        try (logits; NDArray mean = LanguageModelLoss.mean(logits, targets)) {
            return mean.getFloat();
        }
    }

    private static void add(float[] into, float[] values) {
        for (int i = 0; i < into.length; i++) {
            into[i] += values[i];
        }
    }

    /** The L2 norm of each head's block of channels. */
    static float[] perHead(float[] channels, int headDim) {
        float[] heads = new float[channels.length / headDim];
        for (int h = 0; h < heads.length; h++) {
            double sum = 0;
            for (int i = 0; i < headDim; i++) {
                sum += (double) channels[h * headDim + i] * channels[h * headDim + i];
            }
            heads[h] = (float) Math.sqrt(sum);
        }
        return heads;
    }
}
