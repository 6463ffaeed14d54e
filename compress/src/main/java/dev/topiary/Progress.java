package dev.topiary;

/**
 * How far a piece of long work has come: a training run, a calibration pass, an evaluation.
 *
 * @param task what is running ("prune: importance", "distill", "evaluate")
 * @param done units finished so far
 * @param total units in all (0 when unknown)
 * @param unit what is counted ("batches", "steps", "layers")
 * @param detail the latest measurement worth showing ("loss 3.214"), or empty
 * @param loss the training loss of the step just finished, for loss curves; NaN for work that is not training
 */
public record Progress(String task, long done, long total, String unit, String detail, double loss) {

    public Progress {
        if (done < 0 || total < 0) {
            throw new IllegalArgumentException("progress counts must be >= 0, got " + done + "/" + total);
        }
        detail = detail == null ? "" : detail;
    }

    /** Progress of work that has no loss to report. */
    public Progress(String task, long done, long total, String unit, String detail) {
        this(task, done, total, unit, detail, Double.NaN);
    }

    /** Whether this reports a training step's loss. */
    public boolean hasLoss() {
        return !Double.isNaN(loss);
    }

    /** Whether the work has reached its total. */
    public boolean finished() {
        return total > 0 && done >= total;
    }

    /** The finished share in [0, 1], or 0 when the total is unknown. */
    public double fraction() {
        return total == 0 ? 0 : Math.min(1, (double) done / total);
    }

    @Override
    public String toString() {
        String count = total > 0 ? done + "/" + total : Long.toString(done);
        return task + ": " + count + " " + unit + (detail.isEmpty() ? "" : " · " + detail);
    }
}
