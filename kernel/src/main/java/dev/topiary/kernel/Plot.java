package dev.topiary.kernel;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Charts for notebooks in one call: loss curves ({@link #line}), ranked scores ({@link #ranked}) and bars
 * ({@link #bar}), each a {@link Chart} that shows as an interactive Plotly figure where scripts run and as a static
 * image everywhere else. For anything else, build a {@code tech.tablesaw.plotly} {@code Figure} directly; the kernel
 * renders those too (interactive only), and {@link Chart#figure()} starts from one of these.
 */
public final class Plot {

    /** Points a {@link #ranked} line draws at most: enough for the shape of any curve, light for any notebook. */
    static final int RANKED_POINTS = 400;

    private Plot() {}

    /**
     * A line chart with one line per entry of {@code series}: its name to its points {@code {xs, ys}}.
     *
     * @throws IllegalArgumentException when a series is not two arrays of the same length
     */
    public static Chart line(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        series.forEach((name, points) -> {
            if (points == null || points.length != 2 || points[0].length != points[1].length) {
                throw new IllegalArgumentException("series '" + name + "' must be {xs, ys} of the same length");
            }
        });
        return Chart.lines(title, xLabel, yLabel, series);
    }

    /**
     * Importance scores sorted from most to least important, one line per entry of {@code scores} against the rank:
     * how sharply importance falls off, and what a cut at a given rank leaves out. Long arrays are drawn at
     * {@value #RANKED_POINTS} evenly spaced ranks, the first and the last included.
     *
     * @throws IllegalArgumentException when an entry is empty
     */
    public static Chart ranked(String title, String yLabel, Map<String, float[]> scores) {
        Map<String, double[][]> lines = new LinkedHashMap<>();
        scores.forEach((name, values) -> {
            if (values == null || values.length == 0) {
                throw new IllegalArgumentException("scores '" + name + "' are empty");
            }
            lines.put(name, rankedPoints(values));
        });
        return line(title, "rank", yLabel, lines);
    }

    /** {@code {ranks, scores}}: the scores from the highest down, at up to {@value #RANKED_POINTS} ranks (1-based). */
    static double[][] rankedPoints(float[] values) {
        double[] sorted = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            sorted[i] = -values[i];
        }
        Arrays.sort(sorted);
        int points = Math.min(values.length, RANKED_POINTS);
        double[][] xy = new double[2][points];
        for (int p = 0; p < points; p++) {
            int rank = points == 1 ? 0 : (int) Math.round((double) p * (values.length - 1) / (points - 1));
            xy[0][p] = rank + 1;
            xy[1][p] = -sorted[rank];
        }
        return xy;
    }

    /**
     * A bar chart of {@code values} labelled by {@code labels}.
     *
     * @throws IllegalArgumentException when the two differ in length
     */
    public static Chart bar(String title, String xLabel, String yLabel, String[] labels, double[] values) {
        if (labels.length != values.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + values.length + " values");
        }
        return Chart.bars(title, xLabel, yLabel, labels, values);
    }
}
