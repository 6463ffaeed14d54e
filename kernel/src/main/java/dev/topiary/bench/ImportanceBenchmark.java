package dev.topiary.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.llama.Llama;
import dev.topiary.prune.ImportanceEstimator;
import dev.topiary.train.BatchSource;

/** The cost of Minitron importance estimation relative to plain forward passes over the same batches. */
final class ImportanceBenchmark {

    private ImportanceBenchmark() {}

    static String measure(Llama model, int batch, int length, int batches, int warmup, int repeats) {
        BatchSource source = RandomTokens.batches(model.config().vocabSize(), batch, length);
        Timing plain = Timing.of(warmup, repeats, () -> {
            try (NDManager m = model.manager().newSubManager()) {
                for (int b = 0; b < batches; b++) {
                    NDArray ids = m.create(source.batch(b).inputs(), new Shape(batch, length));
                    model.forward(ids).close();
                }
            }
        });
        Timing estimation = Timing.of(warmup, repeats,
                () -> ImportanceEstimator.estimate(model, source, batches, false, Cancellation.none()));
        return String.format("%d batches of %d x %d: plain forward %.2f s, with importance statistics %.2f s"
                        + " (overhead %.0f%%)", batches, batch, length, plain.median(), estimation.median(),
                100 * (estimation.median() / plain.median() - 1));
    }
}
