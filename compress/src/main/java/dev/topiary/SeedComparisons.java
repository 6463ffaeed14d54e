package dev.topiary;

import dev.topiary.render.Html;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The same {@link Comparison} made once per seed (the recipe run again from the same teacher with another seed for
 * every step that draws random numbers), and what holds across them: each model's mean held-out loss with its
 * spread, and each claim ("width beats depth") as the mean of the per-seed differences with their standard
 * deviation. A claim is called when the mean difference is further from zero than its 95% confidence interval
 * reaches (Student's t on the paired differences); with one seed there is no spread, and differences under
 * {@value #SINGLE_SEED_MARGIN} nats are called too close.
 *
 * <pre>{@code
 * SeedComparisons runs = SeedComparisons.of(Map.of(1L, results, 2L, again, 3L, third));
 * runs.finding("Width pruning beats depth pruning", "width-distilled", "depth-distilled")
 * }</pre>
 */
public final class SeedComparisons implements HtmlRenderable {

    /** With one seed, the margin under which a difference is called too close (nats). */
    public static final double SINGLE_SEED_MARGIN = 0.01;

    /** Student's t at 97.5% for 1..10 degrees of freedom; beyond 10, the normal's 1.96 is within 12%. */
    private static final double[] T_975 = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228};

    /** What the per-seed differences say about a claim. */
    public enum Verdict {
        AS_PREDICTED, NOT_AS_PREDICTED, TOO_CLOSE
    }

    /**
     * One claim across the seeds: {@code worse}'s loss minus {@code better}'s, per seed, summarised.
     *
     * @param seeds the seeds both models were measured with
     * @param meanDifference positive when {@code better} has the lower loss on average
     * @param spread the sample standard deviation of the per-seed differences (0 with one seed)
     * @param halfWidth the half-width of the 95% confidence interval of the mean (0 with one seed)
     */
    public record Finding(String claim, String better, String worse, int seeds, double meanBetter, double meanWorse,
            double meanDifference, double spread, double halfWidth, Verdict verdict) {

        @Override
        public String toString() {
            String over = seeds == 1 ? "one seed"
                    : String.format(Locale.ROOT, "%d seeds, difference %.4f +- %.4f (standard deviation; 95%%"
                            + " interval +- %.4f)", seeds, meanDifference, spread, halfWidth);
            String verdictText = switch (verdict) {
                case AS_PREDICTED -> String.format(Locale.ROOT, "as predicted (%.4f lower)", meanDifference);
                case NOT_AS_PREDICTED -> String.format(Locale.ROOT, "NOT as predicted (%.4f higher)", -meanDifference);
                case TOO_CLOSE -> String.format(Locale.ROOT, "too close to call at this scale (%+.4f)", meanDifference);
            };
            return String.format(Locale.ROOT, "%s: %s %.4f against %s %.4f over %s, %s", claim, better, meanBetter,
                    worse, meanWorse, over, verdictText);
        }
    }

    /** One model's held-out loss across the seeds it was measured with. */
    public record Summary(String model, int seeds, double meanLoss, double spread, double minLoss, double maxLoss,
            double meanClozeAcc) {}

    private final Map<Long, Comparison> runs;

    private SeedComparisons(Map<Long, Comparison> runs) {
        this.runs = runs;
    }

    /**
     * The comparisons by seed, in the order given.
     *
     * @throws TopiaryException when there are none
     */
    public static SeedComparisons of(Map<Long, Comparison> runs) {
        if (runs == null || runs.isEmpty()) {
            throw new TopiaryException("comparing over seeds needs at least one seed's comparison, got none");
        }
        return new SeedComparisons(new LinkedHashMap<>(runs));
    }

    /** The seeds, in order. */
    public List<Long> seeds() {
        return List.copyOf(runs.keySet());
    }

    /**
     * The claim that {@code better} has the lower held-out loss than {@code worse}, over the seeds that measured
     * both.
     *
     * @throws TopiaryException when no seed measured both models
     */
    public Finding finding(String claim, String better, String worse) {
        List<Double> betterLosses = new ArrayList<>();
        List<Double> worseLosses = new ArrayList<>();
        for (Comparison c : runs.values()) {
            var b = c.row(better);
            var w = c.row(worse);
            if (b.isPresent() && w.isPresent()) {
                betterLosses.add(b.get().valLoss());
                worseLosses.add(w.get().valLoss());
            }
        }
        int n = betterLosses.size();
        if (n == 0) {
            throw new TopiaryException("no seed measured both '" + better + "' and '" + worse + "'");
        }
        double[] differences = new double[n];
        for (int i = 0; i < n; i++) {
            differences[i] = worseLosses.get(i) - betterLosses.get(i);
        }
        double mean = mean(differences);
        double spread = standardDeviation(differences);
        double halfWidth = n == 1 ? 0 : t975(n - 1) * spread / Math.sqrt(n);
        double margin = n == 1 ? SINGLE_SEED_MARGIN : halfWidth;
        Verdict verdict = Math.abs(mean) <= margin ? Verdict.TOO_CLOSE
                : mean > 0 ? Verdict.AS_PREDICTED : Verdict.NOT_AS_PREDICTED;
        return new Finding(claim, better, worse, n, mean(betterLosses.stream().mapToDouble(d -> d).toArray()),
                mean(worseLosses.stream().mapToDouble(d -> d).toArray()), mean, spread, halfWidth, verdict);
    }

    /** Every model's loss over the seeds that measured it, in the order the first seed's table has them. */
    public List<Summary> summaries() {
        Map<String, List<Comparison.Row>> byModel = new LinkedHashMap<>();
        for (Comparison c : runs.values()) {
            for (Comparison.Row r : c.rows()) {
                byModel.computeIfAbsent(r.model(), k -> new ArrayList<>()).add(r);
            }
        }
        List<Summary> summaries = new ArrayList<>();
        byModel.forEach((model, rows) -> {
            double[] losses = rows.stream().mapToDouble(Comparison.Row::valLoss).toArray();
            summaries.add(new Summary(model, rows.size(), mean(losses), standardDeviation(losses),
                    Arrays.stream(losses).min().orElseThrow(), Arrays.stream(losses).max().orElseThrow(),
                    mean(rows.stream().mapToDouble(Comparison.Row::clozeAcc).toArray())));
        });
        return summaries;
    }

    /** The summary of the model named {@code model}, if a seed measured it. */
    public Optional<Summary> summary(String model) {
        return summaries().stream().filter(s -> s.model().equals(model)).findFirst();
    }

    /** The summaries as CSV: model, seeds, mean loss, standard deviation, min, max, mean cloze accuracy. */
    public String toCsv() {
        StringBuilder csv = new StringBuilder("model,seeds,val_loss_mean,val_loss_sd,val_loss_min,val_loss_max,"
                + "cloze_acc_mean\n");
        for (Summary s : summaries()) {
            csv.append(String.join(",", s.model(), Integer.toString(s.seeds()), format6(s.meanLoss()),
                    format6(s.spread()), format6(s.minLoss()), format6(s.maxLoss()),
                    Double.isNaN(s.meanClozeAcc()) ? "" : format6(s.meanClozeAcc()))).append('\n');
        }
        return csv.toString();
    }

    /**
     * Writes {@link #toCsv()} to {@code file}, complete or not at all.
     *
     * @throws TopiaryException when it cannot be written
     */
    public Path writeCsv(Path file) {
        return Comparison.writeCsv(file, toCsv(), "the results over seeds");
    }

    @Override
    public String toHtml() {
        List<List<?>> body = new ArrayList<>();
        for (Summary s : summaries()) {
            body.add(List.of(s.model(), s.seeds(), String.format(Locale.ROOT, "%.4f", s.meanLoss()),
                    String.format(Locale.ROOT, "%.4f", s.spread()),
                    String.format(Locale.ROOT, "%.4f-%.4f", s.minLoss(), s.maxLoss()),
                    Double.isNaN(s.meanClozeAcc()) ? "-" : String.format(Locale.ROOT, "%.3f", s.meanClozeAcc())));
        }
        return Html.section("held-out loss over seeds " + seeds(), Html.table(List.of("model", "seeds",
                "val loss (mean)", "standard deviation", "range", "cloze acc (mean)"), body));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-28s %5s %10s %8s %17s%n", "model", "seeds",
                "val loss", "sd", "range"));
        for (Summary m : summaries()) {
            s.append(String.format(Locale.ROOT, "%-28s %5d %10.4f %8.4f %8.4f-%.4f%n", m.model(), m.seeds(),
                    m.meanLoss(), m.spread(), m.minLoss(), m.maxLoss()));
        }
        return s.append("over seeds ").append(seeds()).toString();
    }

    private static double t975(int degreesOfFreedom) {
        return degreesOfFreedom <= T_975.length ? T_975[degreesOfFreedom - 1] : 1.96;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        return sum / values.length;
    }

    // The sample standard deviation (n - 1 in the denominator); 0 for one value.
    private static double standardDeviation(double[] values) {
        if (values.length < 2) {
            return 0;
        }
        double m = mean(values);
        double sum = 0;
        for (double v : values) {
            sum += (v - m) * (v - m);
        }
        return Math.sqrt(sum / (values.length - 1));
    }

    private static String format6(double v) {
        return String.format(Locale.ROOT, "%.6f", v);
    }
}
