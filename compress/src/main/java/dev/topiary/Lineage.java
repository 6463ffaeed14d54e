package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;
import dev.topiary.render.Html;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How a model came to be: its {@link Origin} and every {@link Step} since, each with the options that decided it
 * (data fingerprints, seeds, budgets) and the metrics it measured. Written to a file it is a recipe:
 * {@link #read} and {@link Replay#of} make the same model again, headless, and {@link #differences} says whether it
 * reached the same numbers.
 *
 * @param origin where the model started
 * @param entries the steps taken, oldest first
 */
public record Lineage(Origin origin, List<Entry> entries) implements HtmlRenderable {

    /** The format name written at the top of every recipe file. */
    public static final String FORMAT = "topiary-recipe-v2";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * One step and what it measured.
     *
     * @param step the verb and its resolved options
     * @param metrics measurements taken by the step (parameters, losses, bytes)
     */
    public record Entry(Step step, StepMetrics metrics) {}

    public Lineage {
        entries = List.copyOf(entries);
    }

    /** A lineage of just an origin. */
    static Lineage of(Origin origin) {
        return new Lineage(origin, List.of());
    }

    /** This lineage followed by one more step. */
    Lineage then(Step step, StepMetrics metrics) {
        List<Entry> next = new ArrayList<>(entries);
        next.add(new Entry(step, metrics));
        return new Lineage(origin, next);
    }

    /** The steps alone. */
    public List<Step> steps() {
        return entries.stream().map(Entry::step).toList();
    }

    /** The last step and what it measured. */
    public Entry last() {
        if (entries.isEmpty()) {
            throw new TopiaryException("this lineage has no steps, only its origin " + origin);
        }
        return entries.get(entries.size() - 1);
    }

    /** This lineage without its last step. */
    Lineage withoutLast() {
        return new Lineage(origin, entries.subList(0, entries.size() - 1));
    }

    /**
     * Where {@code reproduced} (a replay of this lineage) measured other numbers than this one recorded: one line
     * per differing metric, empty when every number is the same.
     *
     * @param tolerance the relative difference still counted as the same (0 for bit-exact)
     */
    public List<String> differences(Lineage reproduced, double tolerance) {
        List<String> lines = new ArrayList<>();
        if (reproduced.entries.size() != entries.size()) {
            lines.add("the replay took " + reproduced.entries.size() + " steps, the recipe " + entries.size());
            return lines;
        }
        for (int i = 0; i < entries.size(); i++) {
            Map<String, Double> recorded = entries.get(i).metrics().values();
            Map<String, Double> measured = reproduced.entries.get(i).metrics().values();
            for (Map.Entry<String, Double> metric : recorded.entrySet()) {
                Double again = measured.get(metric.getKey());
                double scale = Math.max(Math.abs(metric.getValue()), 1e-30);
                if (again == null || Math.abs(again - metric.getValue()) / scale > tolerance) {
                    lines.add(String.format(Locale.ROOT, "step %d (%s) %s: recorded %s, reproduced %s", i + 1,
                            entries.get(i).step().verb(), metric.getKey(), metric.getValue(), again));
                }
            }
        }
        return lines;
    }

    /** Writes the recipe file, via a temporary name renamed when complete. */
    public void write(Path file) {
        try {
            AtomicFile.writeString(file, JSON.writeValueAsString(toJson()) + "\n");
        } catch (IOException e) {
            throw new TopiaryException("cannot write the recipe " + file + ": " + IoErrors.describe(e), e);
        }
    }

    /**
     * The lineage of a checkpoint directory a model was loaded from: the recipe Topiary saved beside the weights
     * ({@link LanguageModel#RECIPE_FILE}) when there is one it can read, else the checkpoint itself as the origin
     * (a checkpoint written elsewhere, or by a Topiary whose recipe format this one does not read).
     */
    static Lineage ofCheckpoint(Path dir) {
        Path recipe = dir.resolve(LanguageModel.RECIPE_FILE);
        if (Files.isRegularFile(recipe)) {
            try {
                return read(recipe);
            } catch (TopiaryException unreadable) {
                // The weights load all the same; the lineage starts at the checkpoint.
            }
        }
        return of(new Origin.Checkpoint(dir, null));
    }

    /**
     * Reads a recipe file, of this format or an earlier one ({@link RecipeV1}).
     *
     * @throws TopiaryException when the file is missing, not JSON, or not a Topiary recipe of a known version
     */
    public static Lineage read(Path file) {
        JsonNode json;
        try {
            json = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TopiaryException("cannot read the recipe " + file + ": " + IoErrors.describe(e), e);
        }
        String format = json == null ? "" : json.path("format").asText();
        if (format.equals(RecipeV1.FORMAT)) {
            return fromJson(RecipeV1.upgrade(json));
        }
        if (!format.equals(FORMAT)) {
            throw new TopiaryException(file + " is not a Topiary recipe this version reads: expected \"format\": \""
                    + FORMAT + "\" (or \"" + RecipeV1.FORMAT + "\"), found "
                    + (format.isEmpty() ? "none" : "\"" + format + "\""));
        }
        return fromJson(json);
    }

    public ObjectNode toJson() {
        ObjectNode json = Json.object("format", FORMAT);
        json.set("origin", origin.toJson());
        ArrayNode steps = json.putArray("steps");
        for (Entry entry : entries) {
            ObjectNode step = entry.step().toJson();
            ObjectNode metrics = step.putObject("metrics");
            entry.metrics().values().forEach(metrics::put);
            steps.add(step);
        }
        return json;
    }

    static Lineage fromJson(JsonNode json) {
        List<Entry> entries = new ArrayList<>();
        for (JsonNode stepJson : json.path("steps")) {
            Step step = StepRegistry.read(stepJson);
            entries.add(new Entry(step, step.metricsFromJson(stepJson.path("metrics"))));
        }
        return new Lineage(Origin.fromJson(json.path("origin")), entries);
    }

    /**
     * The tokens the weights were trained on along this lineage: the embedded teacher's pre-training (a checkpoint's
     * or a random model's origin counts as none), then every training and distillation step. A distillation's
     * teacher correction trains the teacher, not this model, and is not counted.
     */
    public long trainingTokens() {
        long tokens = origin instanceof Origin.EmbeddedTeacher teacher ? teacher.recipe().tokens() : 0;
        for (Entry e : entries) {
            if (e.metrics() instanceof StepMetrics.Trained trained) {
                tokens += trained.tokens();
            }
        }
        return tokens;
    }

    /** One line: the origin and the verbs, oldest first. */
    public String summary() {
        return origin + entries.stream().map(e -> " -> " + e.step().verb()).collect(Collectors.joining());
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("from ").append(origin);
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            s.append(String.format(Locale.ROOT, "%n  %d. %s", i + 1, e.step()));
            if (!e.metrics().values().isEmpty()) {
                s.append(String.format(Locale.ROOT, "%n     %s", metrics(e.metrics().values())));
            }
        }
        return s.toString();
    }

    @Override
    public String toHtml() {
        List<List<?>> rows = new ArrayList<>();
        rows.add(List.of(0, "origin", origin.toString(), ""));
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            rows.add(List.of(i + 1, e.step().verb(), e.step().toString(), metrics(e.metrics().values())));
        }
        return Html.section("lineage", Html.table(List.of("#", "step", "options", "metrics"), rows));
    }

    private static String metrics(Map<String, Double> metrics) {
        return metrics.entrySet().stream().map(m -> m.getKey() + " " + format(m.getValue()))
                .collect(Collectors.joining(", "));
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return String.format(Locale.ROOT, "%.4g", v);
    }
}
