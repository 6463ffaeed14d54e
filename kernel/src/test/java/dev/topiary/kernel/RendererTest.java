package dev.topiary.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Topiary's rich renderings against what they must contain. */
class RendererTest {

    /** A session's renderer with Topiary's renderers only. */
    private static Renderer topiary() {
        Renderer renderer = new Renderer();
        new TopiaryLibrary().registerRenderers(renderer);
        return renderer;
    }

    @Test
    void aTableIsAnHtmlTableWithItsHeadAndTail() {
        String[] names = new String[30];
        double[] losses = new double[30];
        for (int i = 0; i < 30; i++) {
            names[i] = "model-" + i;
            losses[i] = i / 4.0;
        }
        Table table = Table.create("results", StringColumn.create("model", names), DoubleColumn.create("loss", losses));
        MimeBundle b = topiary().render(table);
        String html = (String) b.data().get(MimeBundle.HTML);
        assertTrue(html.contains("results: 30 rows x 2 columns"), html);
        assertTrue(html.contains("<th>model</th>") && html.contains("<th>loss</th>"), html);
        assertTrue(html.contains("<td>model-0</td>") && html.contains("<td>model-9</td>"), html);
        assertFalse(html.contains("<td>model-10</td>"), "the middle rows are elided");
        assertTrue(html.contains("<td>model-29</td>") && html.contains("<td>7.25</td>"), html);
        assertTrue(b.plain().contains("model-0"), b.plain());
    }

    @Test
    void theFirstFigureCarriesPlotlyAndLaterOnesDoNot() throws IOException {
        Renderer renderer = topiary();
        MimeBundle first = renderer.render(Plot.line("Loss", "step", "loss",
                Map.of("train", new double[][] {{1, 2, 3}, {4.5, 3.25, 2.125}})));
        String html = (String) first.data().get(MimeBundle.HTML);
        assertTrue(html.contains("plotly.js 2.35.3"), "the library is announced");
        String packed = html.substring(html.indexOf("var packed = '") + 14, html.indexOf("';", html.indexOf("var packed")));
        String library = new String(new java.util.zip.GZIPInputStream(new ByteArrayInputStream(
                Base64.getDecoder().decode(packed))).readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(library.startsWith("/**\n* plotly.js v2.35.3"), library.substring(0, 40));
        assertTrue(html.contains("\"4.5\"") && html.contains("\"3.25\"") && html.contains("\"2.125\""), html.substring(html.length() - 600));
        assertEquals("figure 'Loss' with 1 line", first.plain());
        // The static image, drawn in Java: inside the figure's div (shown where no script runs) and as image/png. A
        // JDK with no font at all cannot draw the chart's text: there the figure is interactive only, not an error.
        String png = (String) first.data().get(MimeBundle.PNG);
        if (javaHasAFont()) {
            java.awt.image.BufferedImage image = javax.imageio.ImageIO.read(new ByteArrayInputStream(
                    Base64.getDecoder().decode(png)));
            assertEquals(Chart.WIDTH, image.getWidth());
            assertEquals(Chart.HEIGHT, image.getHeight());
            assertTrue(html.contains("<img src=\"data:image/png;base64," + png + "\""), "the div holds the image");
        } else {
            assertEquals(null, png);
            assertFalse(html.contains("<img"), html.substring(html.length() - 300));
        }
        assertTrue(html.contains(".innerHTML = '';"), "Plotly's script replaces the image");
        // A figure built directly with tablesaw stays interactive only.
        MimeBundle raw = renderer.render(Plot.line("Raw", "x", "y", Map.of("a", new double[][] {{1}, {2}})).figure());
        assertEquals("Plotly figure 'Raw' with 1 trace", raw.plain());
        assertFalse(raw.data().containsKey(MimeBundle.PNG));

        MimeBundle second = renderer.render(Plot.bar("Scores", "layer", "importance", new String[] {"0", "1"},
                new double[] {0.5, 0.25}));
        String secondHtml = (String) second.data().get(MimeBundle.HTML);
        assertFalse(secondHtml.contains("var packed"), "the library is sent once per session");
        assertTrue(secondHtml.contains("window.topiaryPlotly") && secondHtml.contains("Plotly.newPlot"), secondHtml);
    }

    @Test
    void theLibraryCanTravelAloneOnceAndThenNoFigureCarriesIt() {
        Renderer renderer = topiary();
        MimeBundle library = PlotlyLibrary.standalone(renderer);
        assertTrue(((String) library.data().get(MimeBundle.HTML)).contains("var packed"));
        assertEquals(null, PlotlyLibrary.standalone(renderer), "once per session");
        MimeBundle figure = renderer.render(Plot.line("Loss", "step", "loss",
                Map.of("train", new double[][] {{1}, {2}})));
        assertFalse(((String) figure.data().get(MimeBundle.HTML)).contains("var packed"));
    }

    @Test
    void rankedScoresRunFromTheHighestDownAtAtMostFourHundredRanks() {
        double[][] few = Plot.rankedPoints(new float[] {0.5f, 2f, 1f});
        assertArrayEquals(new double[] {1, 2, 3}, few[0]);
        assertArrayEquals(new double[] {2, 1, 0.5}, few[1]);
        float[] many = new float[14336];
        for (int i = 0; i < many.length; i++) {
            many[i] = (i * 7919) % many.length;
        }
        double[][] drawn = Plot.rankedPoints(many);
        assertEquals(Plot.RANKED_POINTS, drawn[0].length);
        assertEquals(1, drawn[0][0]);
        assertEquals(many.length, drawn[0][drawn[0].length - 1], "the last rank is drawn");
        assertEquals(many.length - 1, drawn[1][0], "the highest score first");
        assertEquals(0, drawn[1][drawn[1].length - 1], "the lowest last");
        for (int p = 1; p < drawn[1].length; p++) {
            assertTrue(drawn[1][p] <= drawn[1][p - 1] && drawn[0][p] > drawn[0][p - 1]);
        }
    }

    @Test
    void anImageIsAPngOfTheSamePixels() throws IOException {
        BufferedImage image = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        image.setRGB(0, 0, 0xff0000);
        image.setRGB(2, 1, 0x00ff7f);
        MimeBundle b = topiary().render(image);
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(
                (String) b.data().get(MimeBundle.PNG))));
        assertEquals(3, back.getWidth());
        assertEquals(0xff0000, back.getRGB(0, 0) & 0xffffff);
        assertEquals(0x00ff7f, back.getRGB(2, 1) & 0xffffff);
        assertEquals("image 3 x 2", b.plain());
    }

    @Test
    void cellsSeeTablesAndPlotsImported() {
        try (JShellSession session = new JShellSession()) {
            CellResult r = session.execute("Table.create(\"t\", DoubleColumn.create(\"x\", new double[] {1, 2}))",
                    new RecordingOutput());
            assertTrue(r.succeeded(), String.valueOf(r.error()));
            assertTrue(((String) r.value().data().get(MimeBundle.HTML)).contains("<th>x</th>"));
            r = session.execute("Plot.bar(\"b\", \"x\", \"y\", new String[] {\"a\"}, new double[] {1})",
                    new RecordingOutput());
            assertTrue(r.succeeded(), String.valueOf(r.error()));
            assertTrue(r.value().data().containsKey(MimeBundle.HTML));
        }
    }

    private static boolean javaHasAFont() {
        try {
            return java.awt.GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames().length > 0;
        } catch (RuntimeException | Error none) {
            return false;
        }
    }
}
