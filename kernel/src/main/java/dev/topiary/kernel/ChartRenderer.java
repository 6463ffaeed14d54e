package dev.topiary.kernel;

import dev.topiary.render.Html;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Chart} for every reader of a notebook: an interactive Plotly figure whose {@code <div>} holds the chart's
 * static PNG until Plotly draws (so a viewer that runs no scripts shows the image), the PNG again as
 * {@code image/png} for clients that prefer images, and a line of text.
 */
final class ChartRenderer implements ValueRenderer<Chart> {

    @Override
    public MimeBundle render(Chart chart, Renderer renderer) {
        Optional<String> png = chart.png().map(bytes -> Base64.getEncoder().encodeToString(bytes));
        String image = png.map(b -> "<img src=\"data:image/png;base64," + b + "\" alt=\"" + Html.escape(chart.title())
                + "\" width=\"" + Chart.WIDTH + "\" height=\"" + Chart.HEIGHT + "\">").orElse("");
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(MimeBundle.PLAIN, chart.toString());
        data.put(MimeBundle.HTML, FigureRenderer.html(chart.figure(), renderer, image));
        png.ifPresent(b -> data.put(MimeBundle.PNG, b));
        return new MimeBundle(data, Map.of());
    }
}
