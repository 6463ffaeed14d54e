package dev.topiary;

import ai.djl.ndarray.NDArray;
import dev.topiary.data.PackedBatches;
import dev.topiary.llama.Llama;
import dev.topiary.train.Objective;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingProgress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the training steps ({@link TrainStep}, {@link DistillStep}, {@link ReplaceModules}) share: copying weights and
 * running a trainer.
 */
final class Fitting {

    private Fitting() {}

    /** A copy of {@code source}'s weights in a model of its own, to train without touching the source. */
    static Llama copyOf(Llama source) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        source.parameters().forEach((name, p) -> copies.put(name, p.duplicate()));
        return Llama.fromParameters(source.config(), copies, "copy of " + source);
    }

    /** Trains {@code model} in place on {@code run}'s data, reporting progress as {@code task}; the loss curve. */
    static List<TrainingProgress> fit(Llama model, Objective objective, Training run, String task) {
        return fit(model, model.parameters().keySet(), objective, run, 0, task);
    }

    /**
     * Trains the parameters of {@code model} named in {@code trainable} in place on {@code run}'s data, from batch
     * {@code firstBatch} of its order on (a later phase of one run reads on where the earlier one stopped),
     * reporting progress as {@code task}; the loss curve.
     */
    static List<TrainingProgress> fit(Llama model, Set<String> trainable, Objective objective, Training run,
            long firstBatch, String task) {
        Monitor monitor = Monitor.current();
        try (Corpus.Opened data = run.data().open();
                Trainer trainer = new Trainer(model, trainable, objective, run.options())) {
            PackedBatches batches = new PackedBatches(data.dataset(), run.sequenceLength(), run.batchSize(),
                    run.seed());
            return trainer.train(index -> batches.batch(firstBatch + index), p -> monitor.report(progress(task, p)),
                    monitor.cancellation());
        }
    }

    /** What a training of {@code run} recorded, given its loss curve (and a teacher correction's final loss). */
    static StepMetrics.Trained metrics(Training run, List<TrainingProgress> curve, Double teacherCorrectionLoss) {
        return new StepMetrics.Trained(finalLoss(curve), run.totalTokens(), teacherCorrectionLoss);
    }

    /** The mean loss of the last tenth of {@code curve}: the final loss a training step records. */
    static double finalLoss(List<TrainingProgress> curve) {
        int tail = Math.max(1, curve.size() / 10);
        return curve.subList(curve.size() - tail, curve.size()).stream().mapToDouble(TrainingProgress::loss)
                .average().orElse(Double.NaN);
    }

    static Progress progress(String task, TrainingProgress p) {
        return new Progress(task, p.step(), p.totalSteps(), "steps",
                String.format(Locale.ROOT, "loss %.4f", p.loss()), p.loss());
    }
}
