package dev.topiary.kernel;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.zip.GZIPOutputStream;

/**
 * Plotly 2.35.3, shipped with the kernel (the {@code plotly.js-dist} webjar) so figures draw offline. The
 * library travels once per session, in the output of the first figure: gzip-compressed (10.8 MB of JavaScript
 * becomes 3.2 MB of base64), unpacked in the browser with {@code DecompressionStream} and run with RequireJS's
 * {@code define} hidden, so that the bundle sets {@code window.Plotly} in the classic notebook too. Figures wait
 * on the promise {@code window.topiaryPlotly}.
 */
final class PlotlyLibrary {

    static final String VERSION = "2.35.3";
    /** Where the library is on the class path; also its name for {@link Renderer#firstOnPage}. */
    static final String RESOURCE = "META-INF/resources/webjars/plotly.js-dist/" + VERSION + "/plotly.js";

    private static volatile String loader;

    private PlotlyLibrary() {}

    /** A {@code <script>} that defines {@code window.topiaryPlotly} unless the page has it already. */
    static String loaderScript() {
        String script = loader;
        if (script == null) {
            script = "<script>/* plotly.js " + VERSION + " (MIT), gzip + base64 */\n"
                    + "(function () {\n"
                    + "  if (window.topiaryPlotly) { return; }\n"
                    + "  var packed = '" + Base64.getEncoder().encodeToString(gzip(read())) + "';\n"
                    + "  var bytes = Uint8Array.from(atob(packed), function (c) { return c.charCodeAt(0); });\n"
                    + "  var source = new Response(new Blob([bytes]).stream()"
                    + ".pipeThrough(new DecompressionStream('gzip'))).text();\n"
                    + "  window.topiaryPlotly = source.then(function (code) {\n"
                    + "    var amd = window.define;\n"
                    + "    window.define = undefined;\n"
                    + "    try { (0, eval)(code); } finally { window.define = amd; }\n"
                    + "    return window.Plotly;\n"
                    + "  });\n"
                    + "})();\n</script>\n";
            loader = script;
        }
        return script;
    }

    /**
     * The library as an output of its own, when the session's page does not have it yet (else null): for figures
     * that will be replaced in place, whose outputs must not be the library's only carrier.
     */
    static MimeBundle standalone(Renderer renderer) {
        if (!renderer.firstOnPage(RESOURCE)) {
            return null;
        }
        return MimeBundle.html(loaderScript(), "(plotly.js " + VERSION + " loaded for the figures below)");
    }

    private static byte[] read() {
        try (InputStream in = PlotlyLibrary.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("plotly.js " + VERSION + " is missing from the class path ("
                        + RESOURCE + ")");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4);
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
