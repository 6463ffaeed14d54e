package dev.topiary.prune;

import dev.topiary.HtmlRenderable;
import dev.topiary.TopiaryException;
import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.render.Html;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What width pruning keeps and cuts, unit by unit, with the importance each unit was ranked by: hidden channels,
 * query heads (within their KV groups) and MLP neurons of every layer. A value to look at before or after pruning
 * ({@code prune().selectWidth(0.5)} selects exactly what {@code prune().width(0.5)} then keeps), to draw (its HTML is
 * a per-layer picture of kept and cut heads and neurons) and to export ({@link #writeCsv}).
 *
 * <p>{@link #cutShare} answers the question pruning turns on: how much of the importance was in what was cut.
 */
public final class WidthCut implements HtmlRenderable {

    /** The kinds of unit, as the CSV names them. */
    public static final List<String> KINDS = List.of("hidden", "head", "neuron");

    private final WidthSelection selection;
    private final ImportanceScores importance;

    /**
     * @throws TopiaryException when the importance was measured on another architecture than the selection's source
     */
    public WidthCut(WidthSelection selection, ImportanceScores importance) {
        LlamaConfig c = selection.source();
        if (importance.layers() != c.numHiddenLayers() || importance.embeddingChannels().length != c.hiddenSize()
                || importance.heads(0).length != c.numAttentionHeads()
                || importance.neurons(0).length != c.intermediateSize()) {
            throw new TopiaryException("the importance scores (" + importance.layers() + " layers, hidden "
                    + importance.embeddingChannels().length + ") are not of the pruned model " + c);
        }
        this.selection = selection;
        this.importance = importance;
    }

    /** The selection: what is kept, in the source model's indices. */
    public WidthSelection selection() {
        return selection;
    }

    /** The hidden channels cut, ascending. */
    public int[] cutHiddenChannels() {
        return complement(selection.hiddenChannels(), selection.source().hiddenSize());
    }

    /** The query heads of {@code layer} cut, ascending. */
    public int[] cutHeads(int layer) {
        return complement(selection.heads(layer), selection.source().numAttentionHeads());
    }

    /** The MLP neurons of {@code layer} cut, ascending. */
    public int[] cutNeurons(int layer) {
        return complement(selection.neurons(layer), selection.source().intermediateSize());
    }

    /**
     * The share of the total importance of one kind of unit ({@code "hidden"}, {@code "head"} or {@code "neuron"},
     * all layers together) that lies in the units cut: 0 when pruning cut only units that never mattered.
     *
     * @throws TopiaryException for another kind
     */
    public double cutShare(String kind) {
        double cut = 0;
        double total = 0;
        for (Unit u : units()) {
            if (u.kind().equals(checkedKind(kind))) {
                total += u.importance();
                cut += u.kept() ? 0 : u.importance();
            }
        }
        return total == 0 ? 0 : cut / total;
    }

    /** Every unit: its kind, layer (-1 for hidden channels), index in the source model, importance, and fate. */
    public List<Unit> units() {
        LlamaConfig c = selection.source();
        List<Unit> units = new ArrayList<>();
        float[] channels = importance.embeddingChannels();
        boolean[] keptChannels = mask(selection.hiddenChannels(), c.hiddenSize());
        for (int i = 0; i < channels.length; i++) {
            units.add(new Unit("hidden", -1, i, channels[i], keptChannels[i]));
        }
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            float[] heads = importance.heads(layer);
            boolean[] keptHeads = mask(selection.heads(layer), c.numAttentionHeads());
            for (int h = 0; h < heads.length; h++) {
                units.add(new Unit("head", layer, h, heads[h], keptHeads[h]));
            }
            float[] neurons = importance.neurons(layer);
            boolean[] keptNeurons = mask(selection.neurons(layer), c.intermediateSize());
            for (int n = 0; n < neurons.length; n++) {
                units.add(new Unit("neuron", layer, n, neurons[n], keptNeurons[n]));
            }
        }
        return units;
    }

    /** One unit of the source model. */
    public record Unit(String kind, int layer, int index, double importance, boolean kept) {}

    /**
     * Writes {@link #units()} as CSV ({@code kind,layer,index,importance,kept}), via a temporary name renamed when
     * complete.
     *
     * @return the file written
     */
    public Path writeCsv(Path file) {
        StringBuilder csv = new StringBuilder("kind,layer,index,importance,kept\n");
        for (Unit u : units()) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%.9g,%b%n", u.kind(), u.layer(), u.index(),
                    u.importance(), u.kept()));
        }
        try {
            AtomicFile.writeString(file, csv.toString());
        } catch (IOException e) {
            throw new TopiaryException("cannot write " + file + ": " + IoErrors.describe(e), e);
        }
        return file;
    }

    @Override
    public String toString() {
        LlamaConfig c = selection.source();
        LlamaConfig p = selection.prunedConfig();
        return String.format(Locale.ROOT, "width cut: hidden %d -> %d (%.1f%% of hidden importance cut), heads %d -> %d"
                + " (%.1f%%), neurons %d -> %d per layer (%.1f%%)", c.hiddenSize(), p.hiddenSize(),
                100 * cutShare("hidden"), c.numAttentionHeads(), p.numAttentionHeads(), 100 * cutShare("head"),
                c.intermediateSize(), p.intermediateSize(), 100 * cutShare("neuron"));
    }

    /**
     * A summary table (per kind: kept, cut, the share of importance cut, the mean importance of kept and of cut
     * units) and a picture: per layer, its query heads in KV groups and its neurons in index order, kept dark and
     * cut light.
     */
    @Override
    public String toHtml() {
        List<List<?>> rows = new ArrayList<>();
        for (String kind : KINDS) {
            double keptSum = 0;
            double cutSum = 0;
            int kept = 0;
            int cut = 0;
            for (Unit u : units()) {
                if (u.kind().equals(kind)) {
                    if (u.kept()) {
                        kept++;
                        keptSum += u.importance();
                    } else {
                        cut++;
                        cutSum += u.importance();
                    }
                }
            }
            rows.add(List.of(kind, kept, cut, String.format(Locale.ROOT, "%.1f%%", 100 * cutShare(kind)),
                    String.format(Locale.ROOT, "%.3g", kept == 0 ? 0 : keptSum / kept),
                    String.format(Locale.ROOT, "%.3g", cut == 0 ? 0 : cutSum / cut)));
        }
        return Html.section("what width pruning keeps and cuts", Html.table(List.of("unit", "kept", "cut",
                "importance cut", "mean importance kept", "mean importance cut"), rows) + picture());
    }

    // One SVG row per layer: heads in KV groups (a gap between groups), then the neurons, as runs of kept or cut.
    private String picture() {
        LlamaConfig c = selection.source();
        int layers = c.numHiddenLayers();
        int heads = c.numAttentionHeads();
        int perGroup = heads / c.numKeyValueHeads();
        double headWidth = 12;
        double headsWidth = heads * headWidth + (c.numKeyValueHeads() - 1) * 4;
        double neuronsWidth = 600;
        double rowHeight = 14;
        double left = 60;
        double width = left + headsWidth + 20 + neuronsWidth;
        StringBuilder svg = new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" font-size=\"10\""
                        + " font-family=\"sans-serif\">", width, rowHeight * (layers + 1) + 4));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"10\">heads (KV groups)</text>", left));
        svg.append(String.format(Locale.ROOT, "<text x=\"%.0f\" y=\"10\">neurons (kept dark, cut light)</text>",
                left + headsWidth + 20));
        for (int layer = 0; layer < layers; layer++) {
            double y = rowHeight * (layer + 1);
            svg.append(String.format(Locale.ROOT, "<text x=\"0\" y=\"%.0f\">layer %d</text>", y + 10, layer));
            boolean[] keptHeads = mask(selection.heads(layer), heads);
            for (int h = 0; h < heads; h++) {
                double x = left + h * headWidth + (h / perGroup) * 4;
                svg.append(rect(x, y + 1, headWidth - 2, rowHeight - 3, keptHeads[h]));
            }
            boolean[] keptNeurons = mask(selection.neurons(layer), c.intermediateSize());
            double scale = neuronsWidth / c.intermediateSize();
            int start = 0;
            for (int n = 1; n <= keptNeurons.length; n++) {
                if (n == keptNeurons.length || keptNeurons[n] != keptNeurons[start]) {
                    svg.append(rect(left + headsWidth + 20 + start * scale, y + 1, (n - start) * scale,
                            rowHeight - 3, keptNeurons[start]));
                    start = n;
                }
            }
        }
        return svg.append("</svg>").toString();
    }

    private static String rect(double x, double y, double w, double h, boolean kept) {
        return String.format(Locale.ROOT, "<rect x=\"%.2f\" y=\"%.0f\" width=\"%.2f\" height=\"%.0f\" fill=\"%s\"/>",
                x, y, w, h, kept ? "#2b6cb0" : "#e2e8f0");
    }

    private static String checkedKind(String kind) {
        if (!KINDS.contains(kind)) {
            throw new TopiaryException("unknown unit kind '" + kind + "'; expected one of " + KINDS);
        }
        return kind;
    }

    private static boolean[] mask(int[] kept, int size) {
        boolean[] mask = new boolean[size];
        for (int i : kept) {
            mask[i] = true;
        }
        return mask;
    }

    private static int[] complement(int[] kept, int size) {
        boolean[] mask = mask(kept, size);
        return java.util.stream.IntStream.range(0, size).filter(i -> !mask[i]).toArray();
    }
}
