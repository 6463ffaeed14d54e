package dev.topiary.kernel;

import dev.topiary.render.Html;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Chart} for every reader of a notebook: an interactive Plotly figure whose {@code <div>} holds the chart's
 * static PNG until Plotly draws (so a viewer that runs no scripts shows the image), the PNG again as
 * {@code image/png} for clients that prefer images, and a line of text. In the {@link FigureStyle#STATIC} style the
 * PNG and the text alone, with no script; where Java cannot draw the image (no font) the chart stays interactive.
 */
final class ChartRenderer implements ValueRenderer<Chart> {

    private volatile FigureStyle style = FigureStyle.INTERACTIVE;

    /** Shows the charts rendered from now on in {@code style}. */
    void style(FigureStyle style) {
        this.style = style;
    }

    /** The style charts are shown in now. */
    FigureStyle style() {
        return style;
    }

    @Override
    public MimeBundle render(Chart chart, Renderer renderer) {
        Optional<String> png = chart.png().map(bytes -> Base64.getEncoder().encodeToString(bytes));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(MimeBundle.PLAIN, chart.toString());
        if (style == FigureStyle.INTERACTIVE || png.isEmpty()) {
            String image = png.map(b -> "<img src=\"data:image/png;base64," + b + "\" alt=\""
                    + Html.escape(chart.title()) + "\" width=\"" + Chart.WIDTH + "\" height=\"" + Chart.HEIGHT + "\">")
                    .orElse("");
            data.put(MimeBundle.HTML, FigureRenderer.html(chart.figure(), renderer, image));
        }
        png.ifPresent(b -> data.put(MimeBundle.PNG, b));
        return new MimeBundle(data, png.isPresent()
                ? Map.of(MimeBundle.PNG, Map.of("width", Chart.WIDTH, "height", Chart.HEIGHT)) : Map.of());
    }
}
