package dev.topiary.kernel;

import java.util.UUID;
import tech.tablesaw.plotly.components.Figure;

/**
 * A Plotly figure drawn offline: a {@code <div>} and the script that plots into it once {@link PlotlyLibrary} has
 * loaded, the library itself included in the first figure of a session that does not have it yet.
 */
final class FigureRenderer implements ValueRenderer<Figure> {

    @Override
    public MimeBundle render(Figure figure, Renderer renderer) {
        String html = html(figure, renderer, "");
        int traces = figure.getTraces() == null ? 0 : figure.getTraces().length;
        String title = figure.getLayout() == null ? "" : String.valueOf(figure.getLayout().getTitle());
        return MimeBundle.html(html, "Plotly figure" + (title.isEmpty() || title.equals("null") ? "" : " '" + title
                + "'") + " with " + traces + (traces == 1 ? " trace" : " traces"));
    }

    /**
     * The figure's HTML: the library where the page lacks it, a {@code <div>} holding {@code placeholder} (a static
     * image, shown where scripts do not run), and the script that empties the div and plots into it.
     */
    static String html(Figure figure, Renderer renderer, String placeholder) {
        String div = "plotly_" + UUID.randomUUID().toString().replace('-', '_'); // also a JS name
        String script = figure.asJavascript(div)
                .replaceFirst("<script>", "<script>(window.topiaryPlotly || Promise.reject(new Error('the Plotly"
                        + " library was not loaded: run the notebook again'))).then(function (Plotly) {"
                        + " document.getElementById('" + div + "').innerHTML = '';")
                .replaceFirst("</script>\\s*$", "});</script>");
        String library = renderer.firstOnPage(PlotlyLibrary.RESOURCE) ? PlotlyLibrary.loaderScript() : "";
        return library + "<div id=\"" + div + "\">" + placeholder + "</div>\n" + script;
    }
}
