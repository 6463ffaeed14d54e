package dev.topiary.train;

/**
 * Linear warm-up to the peak rate, then cosine decay to the minimum at the last step (the Minitron distillation
 * recipe's shape: 1e-4 to 1e-5 after about 100 warm-up steps).
 *
 * @param peak the rate reached at the end of warm-up
 * @param minimum the rate at the last step
 * @param warmupSteps steps of linear warm-up from peak / warmupSteps
 * @param totalSteps the run's length in optimizer steps
 */
public record LearningRateSchedule(double peak, double minimum, long warmupSteps, long totalSteps) {

    public LearningRateSchedule {
        if (!(peak > 0) || !(minimum >= 0) || minimum > peak) {
            throw new IllegalArgumentException("learning rates need 0 <= minimum <= peak and peak > 0, got peak "
                    + peak + " and minimum " + minimum);
        }
        if (warmupSteps < 0 || totalSteps <= 0) {
            throw new IllegalArgumentException("need warmupSteps >= 0 and totalSteps > 0, got " + warmupSteps
                    + " and " + totalSteps);
        }
    }

    /** The rate for optimizer step {@code step} (0-based). */
    public double at(long step) {
        if (step < warmupSteps) {
            return peak * (step + 1) / warmupSteps;
        }
        long decaySteps = totalSteps - warmupSteps;
        if (decaySteps <= 1) {
            return peak;
        }
        double progress = Math.min(1.0, (double) (step - warmupSteps) / (decaySteps - 1));
        return minimum + 0.5 * (peak - minimum) * (1 + Math.cos(Math.PI * progress));
    }
}
