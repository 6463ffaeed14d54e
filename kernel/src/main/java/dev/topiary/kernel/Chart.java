package dev.topiary.kernel;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * A chart {@link Plot} makes: its data, drawn two ways from the same numbers. Where scripts run, an interactive
 * Plotly figure ({@link #figure()}); everywhere else (a notebook shared on GitHub, {@code nbconvert} output viewed
 * without scripts), a static PNG that JFreeChart renders in Java ({@link #png}). The kernel's rendering carries
 * both: the image inside the figure's {@code <div>} (replaced when Plotly draws) and as an {@code image/png} output.
 */
public final class Chart {

    /** The static image's size in pixels. */
    static final int WIDTH = 720;
    static final int HEIGHT = 400;

    /** Plotly's default colours, so the static image matches the interactive figure. */
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
        new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final Map<String, double[][]> lines;
    private final String[] barLabels;
    private final double[] barValues;

    private Chart(String title, String xLabel, String yLabel, Map<String, double[][]> lines, String[] barLabels,
            double[] barValues) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.lines = lines;
        this.barLabels = barLabels;
        this.barValues = barValues;
    }

    /** Lines: each entry's name to its points {@code {xs, ys}} (checked by {@link Plot#line}). */
    static Chart lines(String title, String xLabel, String yLabel, Map<String, double[][]> series) {
        Map<String, double[][]> copy = new LinkedHashMap<>();
        series.forEach((name, points) -> copy.put(name, new double[][] {points[0].clone(), points[1].clone()}));
        return new Chart(title, xLabel, yLabel, copy, null, null);
    }

    /** Bars: one per label (checked by {@link Plot#bar}). */
    static Chart bars(String title, String xLabel, String yLabel, String[] labels, double[] values) {
        return new Chart(title, xLabel, yLabel, null, labels.clone(), values.clone());
    }

    public String title() {
        return title;
    }

    /** The interactive Plotly figure of these data. */
    public Figure figure() {
        Layout layout = Layout.builder().title(title).xAxis(Axis.builder().title(xLabel).build())
                .yAxis(Axis.builder().title(yLabel).build()).build();
        if (lines == null) {
            return new Figure(layout, BarTrace.builder(barLabels, barValues).build());
        }
        List<Trace> traces = new ArrayList<>();
        lines.forEach((name, points) -> traces.add(ScatterTrace.builder(points[0], points[1])
                .mode(ScatterTrace.Mode.LINE).name(name).showLegend(lines.size() > 1).build()));
        return new Figure(layout, traces.toArray(new Trace[0]));
    }

    /** The static image of these data, {@value #WIDTH} x {@value #HEIGHT} pixels, drawn by JFreeChart. */
    public BufferedImage image() {
        return chart().createBufferedImage(WIDTH, HEIGHT);
    }

    /**
     * The static image as PNG bytes; empty where Java cannot draw text (a JDK without any font), so that a figure
     * still shows interactively there.
     */
    public Optional<byte[]> png() {
        BufferedImage image;
        try {
            image = image();
        } catch (RuntimeException | Error noFonts) {
            return Optional.empty();
        }
        return Optional.of(PngRenderer.png(image));
    }

    /** "figure 'T' with N lines" (or bars): what a text-only client shows. */
    @Override
    public String toString() {
        int count = lines != null ? lines.size() : barLabels.length;
        String what = lines != null ? (count == 1 ? "line" : "lines") : (count == 1 ? "bar" : "bars");
        return "figure '" + title + "' with " + count + " " + what;
    }

    private JFreeChart chart() {
        if (lines == null) {
            DefaultCategoryDataset data = new DefaultCategoryDataset();
            for (int i = 0; i < barLabels.length; i++) {
                data.addValue(barValues[i], yLabel, barLabels[i]);
            }
            JFreeChart chart = ChartFactory.createBarChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                    false, false, false);
            chart.setBackgroundPaint(Color.WHITE);
            CategoryPlot plot = chart.getCategoryPlot();
            plot.setBackgroundPaint(Color.WHITE);
            plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
            BarRenderer bars = (BarRenderer) plot.getRenderer();
            bars.setBarPainter(new StandardBarPainter());
            bars.setShadowVisible(false);
            bars.setSeriesPaint(0, COLORS[0]);
            return chart;
        }
        XYSeriesCollection data = new XYSeriesCollection();
        lines.forEach((name, points) -> {
            XYSeries series = new XYSeries(name, false, true);
            for (int i = 0; i < points[0].length; i++) {
                series.add(points[0][i], points[1][i]);
            }
            data.addSeries(series);
        });
        JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
                lines.size() > 1, false, false);
        chart.setBackgroundPaint(Color.WHITE);
        XYPlot plot = chart.getXYPlot();
        plot.setBackgroundPaint(Color.WHITE);
        ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        for (int s = 0; s < lines.size(); s++) {
            renderer.setSeriesStroke(s, new BasicStroke(2f));
            renderer.setSeriesPaint(s, COLORS[s % COLORS.length]);
        }
        plot.setRenderer(renderer);
        return chart;
    }
}
