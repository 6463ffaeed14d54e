package dev.topiary;

import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.render.Html;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToLongBiFunction;

/**
 * Where a model's bytes are: its parameters and stored bytes by part (the token embedding, the LM head, each kind of
 * linear weight over all layers, the norms), with bits per weight, so that a tied fp32 embedding dominating an INT4
 * model is plain to see ({@link LanguageModel#sizeBreakdown()}).
 *
 * @param parts in the order their tensors first appear in a checkpoint: "token embedding", "norms", "q_proj",
 *     "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", then "LM head" (absent when tied to the
 *     embedding)
 * @param tiedHead whether the LM head is the token embedding (stored once)
 */
public record SizeBreakdown(List<Part> parts, boolean tiedHead) implements HtmlRenderable {

    /** One part: its parameters and the bytes they are stored in. */
    public record Part(String name, long parameters, long bytes) {

        /** Stored bits per parameter, scales and zero points included. */
        public double bitsPerWeight() {
            return parameters == 0 ? 0 : bytes * 8.0 / parameters;
        }
    }

    public SizeBreakdown {
        parts = List.copyOf(parts);
    }

    /**
     * The breakdown of a model of {@code config} whose tensor {@code name} of {@code parameters} values takes
     * {@code bytes.applyAsLong(name, parameters)} bytes.
     */
    static SizeBreakdown of(LlamaConfig config, ToLongBiFunction<String, Long> bytes) {
        Map<String, long[]> totals = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> tensor : LlamaLayout.shapes(config).entrySet()) {
            long parameters = 1;
            for (long d : tensor.getValue()) {
                parameters *= d;
            }
            long[] total = totals.computeIfAbsent(partOf(tensor.getKey()), k -> new long[2]);
            total[0] += parameters;
            total[1] += bytes.applyAsLong(tensor.getKey(), parameters);
        }
        List<Part> parts = new ArrayList<>();
        totals.forEach((name, t) -> parts.add(new Part(name, t[0], t[1])));
        return new SizeBreakdown(parts, config.tieWordEmbeddings());
    }

    /** The part called {@code name}. */
    public Part part(String name) {
        return parts.stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow(() -> new TopiaryException(
                "no part '" + name + "'; the parts are " + parts.stream().map(Part::name).toList()));
    }

    /** All parts together: the model's parameters and stored bytes. */
    public Part total() {
        return new Part("total", parts.stream().mapToLong(Part::parameters).sum(),
                parts.stream().mapToLong(Part::bytes).sum());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("size by part" + (tiedHead ? " (LM head tied to the embedding)" : "")
                + ":\n");
        for (Part p : rows()) {
            s.append(String.format(Locale.ROOT, "  %-16s %14s parameters %12s %6.2f bits/weight %5.1f%%%n",
                    p.name(), Html.count(p.parameters()), Html.bytes(p.bytes()), p.bitsPerWeight(),
                    100.0 * p.bytes() / total().bytes()));
        }
        return s.toString().stripTrailing();
    }

    @Override
    public String toHtml() {
        List<List<?>> rows = new ArrayList<>();
        for (Part p : rows()) {
            rows.add(List.of(p.name(), Html.count(p.parameters()), Html.bytes(p.bytes()),
                    String.format(Locale.ROOT, "%.2f", p.bitsPerWeight()),
                    String.format(Locale.ROOT, "%.1f%%", 100.0 * p.bytes() / total().bytes())));
        }
        return Html.section("size by part" + (tiedHead ? " (LM head tied to the embedding)" : ""),
                Html.table(List.of("part", "parameters", "bytes", "bits per weight", "share of bytes"), rows));
    }

    private List<Part> rows() {
        List<Part> rows = new ArrayList<>(parts);
        rows.add(total());
        return rows;
    }

    private static String partOf(String tensor) {
        if (tensor.equals(LlamaLayout.EMBED_TOKENS)) {
            return "token embedding";
        }
        if (tensor.equals(LlamaLayout.LM_HEAD)) {
            return "LM head";
        }
        if (tensor.endsWith("norm.weight")) {
            return "norms";
        }
        return LlamaLayout.kind(tensor);
    }
}
