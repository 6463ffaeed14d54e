package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import dev.topiary.Cancellation;
import dev.topiary.llama.Llama;
import java.util.stream.DoubleStream;

/** Everything a training run produces as numbers, to compare two runs bit for bit. */
public final class TrainedNumbers {

    private TrainedNumbers() {}

    /** Trains {@code model} in place, then gives the loss of every step followed by every trained weight. */
    public static double[] of(Llama model, Objective objective, BatchSource batches, TrainingOptions options) {
        DoubleStream.Builder numbers = DoubleStream.builder();
        try (Trainer trainer = new Trainer(model, objective, options)) {
            trainer.train(batches, TrainingListener.NONE, Cancellation.none()).forEach(p -> numbers.add(p.loss()));
        }
        for (NDArray parameter : model.parameters().values()) {
            for (float weight : parameter.toFloatArray()) {
                numbers.add(weight);
            }
        }
        return numbers.build().toArray();
    }
}
