package dev.topiary;

import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;
import dev.topiary.render.Html;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Models measured side by side on the same held-out data: the results table of a recipe. Each {@link #add} evaluates
 * a model and keeps one row of numbers (not the model), so a table of many models costs the memory of one.
 *
 * <pre>{@code
 * Comparison results = Comparison.on(Corpus.embedded("validation"));
 * results.add("teacher", teacher);
 * results.add("width-distilled", student);
 * results.writeCsv(Path.of("results.csv"));
 * }</pre>
 */
public final class Comparison implements HtmlRenderable {

    /** The CSV header, in column order. */
    public static final List<String> COLUMNS = List.of("model", "params", "non_embedding_params", "train_tokens",
            "val_loss", "val_ppl", "cloze_acc");

    /**
     * One model's numbers.
     *
     * @param model the row's name
     * @param params all parameters
     * @param nonEmbeddingParams parameters outside the token embedding and LM head
     * @param trainTokens tokens the weights were trained on along the model's lineage ({@link Lineage#trainingTokens})
     * @param valLoss mean next-token loss (nats) on the held-out data
     * @param valPpl perplexity, {@code exp(valLoss)}
     * @param clozeAcc accuracy on the embedded next-sentence task (choosing the true continuation among four by
     *     likelihood, as cloze-style benchmarks score), or NaN when not measured
     */
    public record Row(String model, long params, long nonEmbeddingParams, long trainTokens, double valLoss,
            double valPpl, double clozeAcc) {

        /** The row as a CSV line (no line break); an unmeasured accuracy is an empty field. */
        public String toCsv() {
            return String.join(",", csvField(model), Long.toString(params), Long.toString(nonEmbeddingParams),
                    Long.toString(trainTokens), String.format(Locale.ROOT, "%.6f", valLoss),
                    String.format(Locale.ROOT, "%.4f", valPpl),
                    Double.isNaN(clozeAcc) ? "" : String.format(Locale.ROOT, "%.6f", clozeAcc));
        }
    }

    private final Corpus data;
    private final long maxTokens;
    private final List<Row> rows = new ArrayList<>();

    private Comparison(Corpus data, long maxTokens) {
        this.data = data;
        this.maxTokens = maxTokens;
    }

    /** A comparison on all of {@code data}. */
    public static Comparison on(Corpus data) {
        return on(data, 0);
    }

    /**
     * A comparison on up to {@code maxTokens} predicted tokens of {@code data} (0: all of it).
     *
     * @throws TopiaryException when no data is given or the limit is negative
     */
    public static Comparison on(Corpus data, long maxTokens) {
        if (data == null) {
            throw new TopiaryException("a comparison needs held-out data, such as Corpus.embedded(\"validation\")");
        }
        if (maxTokens < 0) {
            throw new TopiaryException("the token limit must be >= 0 (0 for all of the data), got " + maxTokens);
        }
        return new Comparison(data, maxTokens);
    }

    /**
     * Evaluates {@code model} and keeps its row under {@code name}, replacing an earlier row of that name (a cell run
     * again) in its place.
     *
     * @return the new row
     * @throws TopiaryException when the name is blank or holds a line break
     */
    public synchronized Row add(String name, LanguageModel model) {
        if (name == null || name.isBlank() || name.contains("\n") || name.contains("\r")) {
            throw new TopiaryException("a row needs a one-line name, got " + (name == null ? "null" : "'" + name + "'"));
        }
        Evaluation e = model.evaluate(data, maxTokens);
        return add(new Row(name, model.parameterCount(), model.nonEmbeddingParameterCount(),
                model.lineage().trainingTokens(), e.loss(), e.perplexity(), e.nextSentenceAccuracy()));
    }

    /** Keeps {@code row}, replacing an earlier row of its name in its place. */
    synchronized Row add(Row row) {
        for (int i = 0; i < rows.size(); i++) {
            if (rows.get(i).model().equals(row.model())) {
                rows.set(i, row);
                return row;
            }
        }
        rows.add(row);
        return row;
    }

    /** The rows, in the order they were first added. */
    public synchronized List<Row> rows() {
        return List.copyOf(rows);
    }

    /** The row named {@code name}, if there is one. */
    public synchronized Optional<Row> row(String name) {
        return rows.stream().filter(r -> r.model().equals(name)).findFirst();
    }

    /** The held-out data the rows were measured on. */
    public Corpus data() {
        return data;
    }

    /** The table as CSV: the {@link #COLUMNS} header, then one line per row. */
    public synchronized String toCsv() {
        StringBuilder csv = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        rows.forEach(r -> csv.append(r.toCsv()).append('\n'));
        return csv.toString();
    }

    /**
     * Writes {@link #toCsv()} to {@code file}, complete or not at all.
     *
     * @return the file written
     * @throws TopiaryException when it cannot be written
     */
    public Path writeCsv(Path file) {
        return writeCsv(file, toCsv(), "the results");
    }

    /** Writes {@code csv}, {@code what} a table holds, to {@code file}, complete or not at all. */
    static Path writeCsv(Path file, String csv, String what) {
        try {
            AtomicFile.writeString(file, csv);
            return file.toAbsolutePath();
        } catch (IOException e) {
            throw new TopiaryException("cannot write " + what + " to " + file + ": " + IoErrors.describe(e), e);
        }
    }

    @Override
    public synchronized String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-28s %12s %14s %12s %9s %9s %7s%n", "model",
                "params", "non-embedding", "train tokens", "val loss", "val ppl", "cloze"));
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "%-28s %12s %14s %12s %9.4f %9.2f %7s%n", r.model(),
                    Html.count(r.params()), Html.count(r.nonEmbeddingParams()), Html.count(r.trainTokens()),
                    r.valLoss(), r.valPpl(), accuracy(r.clozeAcc())));
        }
        return s.append("on ").append(data).append(maxTokens > 0 ? String.format(Locale.ROOT, " (first %,d tokens)",
                maxTokens) : "").toString();
    }

    @Override
    public synchronized String toHtml() {
        List<List<?>> body = new ArrayList<>();
        for (Row r : rows) {
            body.add(List.of(r.model(), Html.count(r.params()), Html.count(r.nonEmbeddingParams()),
                    Html.count(r.trainTokens()), String.format(Locale.ROOT, "%.4f", r.valLoss()),
                    String.format(Locale.ROOT, "%.2f", r.valPpl()), accuracy(r.clozeAcc())));
        }
        String title = "results on " + data + (maxTokens > 0 ? String.format(Locale.ROOT, " (first %,d tokens)",
                maxTokens) : "");
        return Html.section(title, Html.table(List.of("model", "params", "non-embedding", "train tokens",
                "val loss", "val ppl", "cloze acc"), body));
    }

    private static String accuracy(double a) {
        return Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.3f", a);
    }

    private static String csvField(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
