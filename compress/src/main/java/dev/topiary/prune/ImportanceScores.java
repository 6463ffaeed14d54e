package dev.topiary.prune;

import dev.topiary.HtmlRenderable;
import dev.topiary.render.Html;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * Activation-based importance of every prunable unit, estimated Minitron's way from calibration forward passes:
 * embedding channels (summed over the outputs of both RMSNorms of every layer), attention heads per layer (L2 norm
 * of a head's channels at the input of o_proj), MLP neurons per layer (at the input of down_proj), and layers
 * ({@code 1 - cos(input, output)}: how much a layer changes the residual stream; optionally the LM-loss increase
 * when it is left out). Immutable; the accessors return copies, to plot or reuse.
 */
public final class ImportanceScores implements HtmlRenderable {

    private final float[] embeddingChannels;
    private final float[][] heads;
    private final float[][] neurons;
    private final double[] layerCosineDistance;
    private final double[] layerLossIncrease;
    private final long calibrationTokens;

    ImportanceScores(float[] embeddingChannels, float[][] heads, float[][] neurons, double[] layerCosineDistance,
            double[] layerLossIncrease, long calibrationTokens) {
        this.embeddingChannels = embeddingChannels.clone();
        this.heads = deepCopy(heads);
        this.neurons = deepCopy(neurons);
        this.layerCosineDistance = layerCosineDistance.clone();
        this.layerLossIncrease = layerLossIncrease == null ? null : layerLossIncrease.clone();
        this.calibrationTokens = calibrationTokens;
    }

    private static float[][] deepCopy(float[][] a) {
        return Arrays.stream(a).map(float[]::clone).toArray(float[][]::new);
    }

    /** Importance of each hidden (embedding) channel. */
    public float[] embeddingChannels() {
        return embeddingChannels.clone();
    }

    /** Importance of each query head of a layer. */
    public float[] heads(int layer) {
        return heads[layer].clone();
    }

    /** Importance of each MLP neuron of a layer. */
    public float[] neurons(int layer) {
        return neurons[layer].clone();
    }

    /** Mean {@code 1 - cos(input, output)} of each layer: near 0 for a layer that barely changes its input. */
    public double[] layerCosineDistance() {
        return layerCosineDistance.clone();
    }

    /**
     * The increase of the calibration LM loss when each layer is left out, or null when it was not measured (it
     * costs one more forward pass per layer).
     */
    public double[] layerLossIncrease() {
        return layerLossIncrease == null ? null : layerLossIncrease.clone();
    }

    public int layers() {
        return heads.length;
    }

    public long calibrationTokens() {
        return calibrationTokens;
    }

    /** The {@code count} most important indices of {@code scores}, in ascending index order. */
    public static int[] top(float[] scores, int count) {
        if (count < 0 || count > scores.length) {
            throw new IllegalArgumentException("cannot keep " + count + " of " + scores.length);
        }
        return IntStream.range(0, scores.length).boxed()
                .sorted((a, b) -> scores[a] != scores[b] ? Float.compare(scores[b], scores[a]) : Integer.compare(a, b))
                .limit(count).mapToInt(Integer::intValue).sorted().toArray();
    }

    /** The layers ordered from least to most important by cosine distance. */
    public int[] layersByCosineDistance() {
        return IntStream.range(0, layerCosineDistance.length).boxed()
                .sorted((a, b) -> Double.compare(layerCosineDistance[a], layerCosineDistance[b]))
                .mapToInt(Integer::intValue).toArray();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("ImportanceScores(%d layers, %,d calibration tokens)%n", layers(), calibrationTokens));
        s.append(String.format("  embedding channels: %d, importance %.3g .. %.3g%n", embeddingChannels.length,
                min(embeddingChannels), max(embeddingChannels)));
        for (int l = 0; l < layers(); l++) {
            s.append(String.format("  layer %d: 1-cos %.4f%s, heads %.3g .. %.3g, neurons %.3g .. %.3g%n", l,
                    layerCosineDistance[l],
                    layerLossIncrease == null ? "" : String.format(", loss +%.4f", layerLossIncrease[l]),
                    min(heads[l]), max(heads[l]), min(neurons[l]), max(neurons[l])));
        }
        return s.toString().stripTrailing();
    }

    /**
     * One row per layer: its distance, its loss increase (a column only when measured), and the ranges of head and
     * neuron scores.
     */
    @Override
    public String toHtml() {
        List<List<?>> rows = new ArrayList<>();
        for (int l = 0; l < layers(); l++) {
            List<Object> row = new ArrayList<>(List.of(l, String.format(Locale.ROOT, "%.4f", layerCosineDistance[l])));
            if (layerLossIncrease != null) {
                row.add(String.format(Locale.ROOT, "%+.4f", layerLossIncrease[l]));
            }
            row.add(String.format(Locale.ROOT, "%.3g .. %.3g", min(heads[l]), max(heads[l])));
            row.add(String.format(Locale.ROOT, "%.3g .. %.3g", min(neurons[l]), max(neurons[l])));
            rows.add(row);
        }
        List<String> columns = new ArrayList<>(List.of("layer", "1 - cos"));
        if (layerLossIncrease != null) {
            columns.add("loss increase");
        }
        columns.addAll(List.of("heads", "neurons"));
        return Html.section(String.format(Locale.ROOT, "importance from %,d calibration tokens (%d hidden channels,"
                + " %.3g .. %.3g)", calibrationTokens, embeddingChannels.length, min(embeddingChannels),
                max(embeddingChannels)), Html.table(columns, rows));
    }

    private static float min(float[] a) {
        float m = Float.POSITIVE_INFINITY;
        for (float x : a) {
            m = Math.min(m, x);
        }
        return m;
    }

    private static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float x : a) {
            m = Math.max(m, x);
        }
        return m;
    }
}
