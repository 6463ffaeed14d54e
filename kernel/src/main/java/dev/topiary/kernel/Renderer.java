package dev.topiary.kernel;

import dev.topiary.HtmlRenderable;
import dev.topiary.render.Html;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.imageio.ImageIO;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Turns a cell's value into what the notebook shows: Topiary's models, plans and reports and tablesaw tables as
 * HTML tables, Plotly figures drawn offline, images as PNG, and anything else as JShell would print it. One per
 * session: it remembers whether the page has the Plotly library yet.
 */
public class Renderer {

    /** Rows of a long table shown at its head and at its tail. */
    static final int HEAD_ROWS = 10;
    static final int TAIL_ROWS = 5;

    private boolean plotlySent;

    /** The bundle for {@code value}. */
    public MimeBundle render(Object value) {
        if (value instanceof HtmlRenderable html) {
            return MimeBundle.html(html.toHtml(), CellExecutionControl.text(value));
        }
        if (value instanceof Table table) {
            return MimeBundle.html(tableHtml(table), table.print());
        }
        if (value instanceof Figure figure) {
            return figure(figure);
        }
        if (value instanceof BufferedImage image) {
            return png(image);
        }
        return MimeBundle.text(CellExecutionControl.text(value));
    }

    /**
     * The Plotly library as an output of its own, when the page does not have it yet (else null): for figures that
     * will be replaced in place, whose outputs must not be the library's only carrier.
     */
    synchronized MimeBundle plotlyLibrary() {
        if (plotlySent) {
            return null;
        }
        plotlySent = true;
        return MimeBundle.html(PlotlyLibrary.loaderScript(), "(plotly.js " + PlotlyLibrary.VERSION
                + " loaded for the figures below)");
    }

    private static String tableHtml(Table table) {
        int rows = table.rowCount();
        List<Integer> shown = new ArrayList<>();
        for (int r = 0; r < rows; r++) {
            if (r < HEAD_ROWS || r >= rows - TAIL_ROWS || rows <= HEAD_ROWS + TAIL_ROWS) {
                shown.add(r);
            }
        }
        List<List<?>> body = new ArrayList<>();
        int previous = -1;
        for (int r : shown) {
            if (r != previous + 1) {
                body.add(Collections.nCopies(table.columnCount(), "…"));
            }
            List<Object> row = new ArrayList<>();
            for (int c = 0; c < table.columnCount(); c++) {
                row.add(table.getString(r, c));
            }
            body.add(row);
            previous = r;
        }
        return Html.section(String.format("%s: %,d rows x %d columns", table.name() == null ? "table"
                : table.name(), rows, table.columnCount()), Html.table(table.columnNames(), body));
    }

    private synchronized MimeBundle figure(Figure figure) {
        String div = "plotly_" + UUID.randomUUID().toString().replace('-', '_'); // also a JS name
        String script = figure.asJavascript(div)
                .replaceFirst("<script>", "<script>(window.topiaryPlotly || Promise.reject(new Error('the Plotly"
                        + " library was not loaded: run the notebook again'))).then(function (Plotly) {")
                .replaceFirst("</script>\\s*$", "});</script>");
        String html = (plotlySent ? "" : PlotlyLibrary.loaderScript()) + "<div id=\"" + div + "\"></div>\n" + script;
        plotlySent = true;
        int traces = figure.getTraces() == null ? 0 : figure.getTraces().length;
        String title = figure.getLayout() == null ? "" : String.valueOf(figure.getLayout().getTitle());
        return MimeBundle.html(html, "Plotly figure" + (title.isEmpty() || title.equals("null") ? "" : " '" + title
                + "'") + " with " + traces + (traces == 1 ? " trace" : " traces"));
    }

    private static MimeBundle png(BufferedImage image) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> data = new LinkedHashMap<>();
        data.put(MimeBundle.PLAIN, "image " + image.getWidth() + " x " + image.getHeight());
        data.put(MimeBundle.PNG, Base64.getEncoder().encodeToString(bytes.toByteArray()));
        return new MimeBundle(data, Map.of(MimeBundle.PNG, Map.of("width", image.getWidth(),
                "height", image.getHeight())));
    }
}
