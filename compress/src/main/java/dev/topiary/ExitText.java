package dev.topiary;

import dev.topiary.render.Html;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A continuation generated with early exit ({@link ExitingModel#generate}), token by token with the decoder layers
 * each token ran before it left: the picture of which tokens are easy.
 *
 * @param prompt the text continued
 * @param tokens each new token's text
 * @param layersRun for each token, the decoder layers run to choose it (the first token follows the prompt, which
 *     runs every layer)
 * @param layers the model's decoder layers
 * @param threshold the confidence an off-ramp had to reach
 */
public record ExitText(String prompt, String[] tokens, int[] layersRun, int layers, double threshold)
        implements HtmlRenderable {

    public ExitText {
        tokens = tokens.clone();
        layersRun = layersRun.clone();
    }

    /** The continuation as one text. */
    public String text() {
        return String.join("", tokens);
    }

    /** Decoder layers run per token, on average. */
    public double meanLayers() {
        return java.util.Arrays.stream(layersRun).average().orElse(Double.NaN);
    }

    /** The layers run as doubles, for charts. */
    public double[] layersRunValues() {
        return java.util.Arrays.stream(layersRun).asDoubleStream().toArray();
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "early exit at %s: %.2f of %d layers per token%n", ExitingModel.describe(threshold), meanLayers(),
                layers));
        for (int i = 0; i < tokens.length; i++) {
            s.append(String.format(Locale.ROOT, "  %-20s %d%n", "'" + tokens[i] + "'", layersRun[i]));
        }
        return s.toString().stripTrailing();
    }

    @Override
    public String toHtml() {
        List<List<?>> rows = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            rows.add(List.of(i + 1, tokens[i], layersRun[i] + " / " + layers));
        }
        return Html.section(String.format(Locale.ROOT, "early exit at %s: %.2f of %d layers per token",
                ExitingModel.describe(threshold), meanLayers(), layers),
                "<p>" + Html.escape(prompt) + "<b>" + Html.escape(text()) + "</b></p>"
                        + Html.table(List.of("#", "token", "layers run"), rows));
    }
}
