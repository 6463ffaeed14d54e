package dev.topiary.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Charts for notebooks in one call, as Plotly figures the kernel draws offline: loss curves ({@link #line}) and
 * scores ({@link #bar}). For anything else, build a {@code tech.tablesaw.plotly} {@link Figure} directly; the
 * kernel renders those too.
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
    public static Figure line(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        List<Trace> traces = new ArrayList<>();
        series.forEach((name, points) -> {
            if (points == null || points.length != 2 || points[0].length != points[1].length) {
                throw new IllegalArgumentException("series '" + name + "' must be {xs, ys} of the same length");
            }
            traces.add(ScatterTrace.builder(points[0], points[1]).mode(ScatterTrace.Mode.LINE).name(name)
                    .showLegend(series.size() > 1).build());
        });
        return new Figure(layout(title, xLabel, yLabel), traces.toArray(new Trace[0]));
    }

    /**
     * Importance scores sorted from most to least important, one line per entry of {@code scores} against the rank:
     * how sharply importance falls off, and what a cut at a given rank leaves out. Long arrays are drawn at
     * {@value #RANKED_POINTS} evenly spaced ranks, the first and the last included.
     *
     * @throws IllegalArgumentException when an entry is empty
     */
    public static Figure ranked(String title, String yLabel, Map<String, float[]> scores) {
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
    public static Figure bar(String title, String xLabel, String yLabel, String[] labels, double[] values) {
        if (labels.length != values.length) {
            throw new IllegalArgumentException(labels.length + " labels for " + values.length + " values");
        }
        return new Figure(layout(title, xLabel, yLabel), BarTrace.builder(labels, values).build());
    }

    private static Layout layout(String title, String xLabel, String yLabel) {
        return Layout.builder().title(title).xAxis(Axis.builder().title(xLabel).build())
                .yAxis(Axis.builder().title(yLabel).build()).build();
    }
}
