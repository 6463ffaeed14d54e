package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Monitor;
import dev.topiary.Progress;
import dev.topiary.TopiaryException;
import dev.topiary.engine.JavaArrays;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SmoothQuant's migration of activation outliers into the weights (Xiao et al., 2023). A linear layer computes
 * {@code X W^T = (X diag(s)^-1) (W diag(s))^T} for any positive per-channel {@code s}; choosing
 * {@code s_j = max|X_j|^alpha / max|W_j|^(1 - alpha)} (maxima over calibration tokens and over the weight's rows)
 * divides the channels with outliers down and multiplies their weights up, so per-token activation quantization
 * loses less. The division is folded into what produces {@code X}, so the model computes the same function:
 * <ul>
 *   <li>q, k and v read the first RMSNorm's output: its weight is divided by {@code s}, their columns multiplied;</li>
 *   <li>gate and up read the second RMSNorm's output: the same with that norm;</li>
 *   <li>down_proj reads {@code silu(gate x) * up x}, linear in up's rows: up's row {@code j} is divided by
 *       {@code s_j}, down's column {@code j} multiplied.</li>
 * </ul>
 * The o projection's input (the attention heads) is left as it is. Maxima and weights below {@code 1e-5} count as
 * {@code 1e-5}, as do scales, so no channel is divided by zero.
 */
public final class Smoothing {

    private static final double FLOOR = 1e-5;

    /**
     * The smoothed model and how much the worst input's outliers shrank.
     *
     * @param model the smoothed copy, owned by the caller
     * @param outlierRatioBefore over the smoothed inputs of every layer, the largest ratio of a channel's maximum to
     *     the median channel's maximum, before smoothing
     * @param outlierRatioAfter the same ratio of the smoothed inputs ({@code max|X_j| / s_j})
     */
    public record Result(Llama model, double outlierRatioBefore, double outlierRatioAfter) {}

    private Smoothing() {}

    /**
     * A smoothed copy of {@code source}, its scales measured on calibration batches 0 .. {@code count - 1}, each
     * reported to {@code monitor}, which can cancel between them.
     *
     * @throws TopiaryException when {@code alpha} is outside [0, 1], there are no batches, or the layers share weights
     */
    public static Result smooth(Llama source, BatchSource batches, int count, double alpha, Monitor monitor) {
        source.config().checkUnshared("SmoothQuant, which folds scales measured on each layer's inputs into it,");
        checkAlpha(alpha);
        if (count < 1) {
            throw new TopiaryException("SmoothQuant needs at least one calibration batch, got " + count);
        }
        InputMaxima maxima = new InputMaxima();
        for (int b = 0; b < count; b++) {
            monitor.check("SmoothQuant calibration");
            TokenBatch batch = batches.batch(b);
            try (NDManager m = source.manager().newSubManager()) {
                NDArray ids = m.create(batch.inputs(), new Shape(batch.batchSize(), batch.sequenceLength()));
                source.forward(ids, maxima, Set.of()).close();
            }
            monitor.report(new Progress("SmoothQuant", b + 1, count, "batches", "alpha " + alpha));
        }
        return fold(source, maxima, alpha);
    }

    /** @throws TopiaryException unless {@code 0 <= alpha <= 1} */
    public static void checkAlpha(double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new TopiaryException("SmoothQuant's alpha must be in [0, 1] (0 leaves the activations as they are, 1"
                    + " moves all their range into the weights; 0.5 is the usual choice), got " + alpha);
        }
    }

    private static Result fold(Llama source, InputMaxima maxima, double alpha) {
        double[] ratios = new double[2];
        Llama smoothed = rescaled(source, (layer, site, weightMaxima) -> {
            float[] activation = maxima.of(layer, site);
            float[] scales = scales(activation, weightMaxima, alpha);
            ratios[0] = Math.max(ratios[0], outlierRatio(activation, null));
            ratios[1] = Math.max(ratios[1], outlierRatio(activation, scales));
            return scales;
        }, "SmoothQuant of a model");
        return new Result(smoothed, ratios[0], ratios[1]);
    }

    /**
     * The opposite of smoothing, for teaching it: a copy of {@code source} computing the same function whose hidden
     * {@code channels} enter every q/k/v and gate/up projection {@code factor} times larger (both norms' weights
     * multiplied, the columns reading them divided), as the outlier channels of large language models do.
     *
     * @throws TopiaryException when a channel is outside the hidden size, {@code factor} is not positive and finite, or
     *     the layers share weights
     */
    public static Llama withOutlierChannels(Llama source, int[] channels, float factor) {
        source.config().checkUnshared("planting outlier channels");
        int hidden = source.config().hiddenSize();
        if (!(factor > 0) || Float.isInfinite(factor)) {
            throw new TopiaryException("an outlier factor must be positive and finite, got " + factor);
        }
        float[] scales = new float[hidden];
        Arrays.fill(scales, 1f);
        for (int c : channels) {
            if (c < 0 || c >= hidden) {
                throw new TopiaryException("outlier channel " + c + " is outside the hidden size: channels are 0.."
                        + (hidden - 1));
            }
            scales[c] = 1f / factor;
        }
        return rescaled(source, (layer, site, weightMaxima) -> site == Site.MLP_DOWN_INPUT ? null : scales,
                "a model with planted outlier channels");
    }

    /** The scales an input of a layer is divided by ({@code null}: left as it is), given its readers' maxima. */
    @FunctionalInterface
    private interface ScaleChoice {
        float[] scales(int layer, Site site, float[] weightMaxima);
    }

    // A copy of `source` with each smoothable input divided by the scales `choice` picks and its readers multiplied.
    private static Llama rescaled(Llama source, ScaleChoice choice, String what) {
        NDManager staging = source.manager().newSubManager();
        try {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            source.parameters().forEach((name, t) -> {
                NDArray copy = t.duplicate();
                copy.attach(staging);
                tensors.put(name, copy);
            });
            for (int i = 0; i < source.config().numHiddenLayers(); i++) {
                List<Folding> foldings = List.of(
                        new Folding(Site.ATTENTION_NORM, LlamaLayout.inputNorm(i), false,
                                List.of(LlamaLayout.qProj(i), LlamaLayout.kProj(i), LlamaLayout.vProj(i))),
                        new Folding(Site.MLP_NORM, LlamaLayout.postAttentionNorm(i), false,
                                List.of(LlamaLayout.gateProj(i), LlamaLayout.upProj(i))),
                        new Folding(Site.MLP_DOWN_INPUT, LlamaLayout.upProj(i), true,
                                List.of(LlamaLayout.downProj(i))));
                for (Folding f : foldings) {
                    float[] scales = choice.scales(i, f.site(), weightMaxima(tensors, f.readers()));
                    if (scales != null) {
                        f.apply(tensors, JavaArrays.floats(staging, scales, new Shape(scales.length)));
                    }
                }
            }
            return Llama.fromParameters(source.config(), tensors, what, source.linearInputs());
        } finally {
            staging.close();
        }
    }

    /**
     * One input smoothed: the tensor producing it ({@code producer}, a norm's weight, or up_proj whose rows make it)
     * divided by the scales, the weights reading it multiplied column by column.
     */
    private record Folding(Site site, String producer, boolean producerRows, List<String> readers) {

        void apply(Map<String, NDArray> tensors, NDArray scales) {
            NDArray divisor = producerRows ? scales.reshape(-1, 1) : scales;
            replace(tensors, producer, tensors.get(producer).div(divisor));
            for (String reader : readers) {
                replace(tensors, reader, tensors.get(reader).mul(scales));
            }
        }

        private static void replace(Map<String, NDArray> tensors, String name, NDArray value) {
            tensors.put(name, value).close();
        }
    }

    // Each input channel's largest weight magnitude over the rows of every weight reading that input.
    private static float[] weightMaxima(Map<String, NDArray> tensors, List<String> readers) {
        float[] maxima = null;
        for (String reader : readers) {
            float[] m = tensors.get(reader).abs().max(new int[] {0}).toFloatArray();
            if (maxima == null) {
                maxima = m;
            } else {
                for (int c = 0; c < m.length; c++) {
                    maxima[c] = Math.max(maxima[c], m[c]);
                }
            }
        }
        return maxima;
    }

    /** {@code s_j = max(a_j, 1e-5)^alpha / max(w_j, 1e-5)^(1 - alpha)}, at least {@code 1e-5}. */
    static float[] scales(float[] activationMaxima, float[] weightMaxima, double alpha) {
        float[] s = new float[activationMaxima.length];
        for (int j = 0; j < s.length; j++) {
            double scale = Math.pow(Math.max(activationMaxima[j], FLOOR), alpha)
                    / Math.pow(Math.max(weightMaxima[j], FLOOR), 1 - alpha);
            s[j] = (float) Math.max(scale, FLOOR);
        }
        return s;
    }

    // The largest channel maximum over the median one, of the maxima divided by `scales` (null: as they are).
    private static double outlierRatio(float[] maxima, float[] scales) {
        double[] m = new double[maxima.length];
        for (int j = 0; j < m.length; j++) {
            m[j] = scales == null ? maxima[j] : maxima[j] / (double) scales[j];
        }
        Arrays.sort(m);
        double median = m.length % 2 == 1 ? m[m.length / 2] : (m[m.length / 2 - 1] + m[m.length / 2]) / 2;
        return median > 0 ? m[m.length - 1] / median : Double.POSITIVE_INFINITY;
    }
}
