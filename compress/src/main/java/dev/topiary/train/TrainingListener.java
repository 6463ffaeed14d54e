package dev.topiary.train;

/** Hears of each optimizer step of a training run: for progress bars, loss curves and logs. */
@FunctionalInterface
public interface TrainingListener {

    /** A listener that ignores everything. */
    TrainingListener NONE = progress -> { };

    void onStep(TrainingProgress progress);
}
