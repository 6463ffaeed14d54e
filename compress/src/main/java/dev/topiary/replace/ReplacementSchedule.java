package dev.topiary.replace;

import dev.topiary.TopiaryException;
import java.util.Locale;

/**
 * BERT-of-Theseus's linear curriculum for the replacement rate: at optimizer step {@code t} (0 for the first) each
 * module is run as the successor's with probability {@code p(t) = min(1, initialRate + slope * t)}, so the successor
 * takes over a growing share of the passes until it runs alone.
 *
 * @param initialRate the rate of the first step, in [0, 1]
 * @param slope the rate's increase per step, >= 0
 */
public record ReplacementSchedule(double initialRate, double slope) {

    public ReplacementSchedule {
        if (!(initialRate >= 0 && initialRate <= 1)) {
            throw new TopiaryException("the initial replacement rate is a probability in [0, 1], got " + initialRate);
        }
        if (!(slope >= 0) || Double.isInfinite(slope)) {
            throw new TopiaryException("the replacement rate's slope per step must be finite and >= 0, got " + slope);
        }
    }

    /** The schedule from {@code initialRate} that reaches 1 at step {@code step} (>= 1). */
    public static ReplacementSchedule reachingOneAt(double initialRate, long step) {
        if (step < 1) {
            throw new TopiaryException("the step the replacement rate reaches 1 must be >= 1, got " + step);
        }
        return new ReplacementSchedule(initialRate, (1 - initialRate) / step);
    }

    /** The replacement rate at step {@code t} (0-based). */
    public double rate(long t) {
        return Math.min(1, initialRate + slope * t);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "replacement rate min(1, %.4g + %.4g t)", initialRate, slope);
    }
}
