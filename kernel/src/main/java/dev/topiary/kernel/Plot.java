package dev.topiary.kernel;

import java.util.ArrayList;
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
