package dev.topiary.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.topiary.Cancellation;
import dev.topiary.llama.Llama;
import java.util.function.Supplier;
import java.util.stream.DoubleStream;

/** Everything a training run produces as numbers, to compare two runs bit for bit. */
public final class TrainedNumbers {

    private TrainedNumbers() {}

    /** Trains {@code model} in place, then gives the loss of every step followed by every trained weight. */
    private static double[] of(Llama model, Objective objective, BatchSource batches, TrainingOptions options) {
        DoubleStream.Builder numbers = DoubleStream.builder();
        try (Trainer trainer = new Trainer(model, objective, options)) {
            trainer.train(batches, TrainingListener.NONE, Cancellation.none()).forEach(p -> numbers.add(p.loss()));
        }
        for (NDArray parameter : model.parameters().values()) {
            try (NDArray values = parameter.toType(DataType.FLOAT32, true)) {
                for (float weight : values.toFloatArray()) {
                    numbers.add(weight);
                }
            }
        }
        return numbers.build().toArray();
    }

    /**
     * The numbers of two runs on fresh models from {@code model}: the first as it is, the second while
     * {@link CollectorPressure} keeps the garbage collector running.
     */
    public static double[][] quietAndUnderCollection(Supplier<Llama> model, Objective objective, BatchSource batches,
            TrainingOptions options) throws InterruptedException {
        double[][] runs = new double[2][];
        for (int run = 0; run < runs.length; run++) {
            try (Llama fresh = model.get(); CollectorPressure pressure = run == 1 ? CollectorPressure.start() : null) {
                runs[run] = of(fresh, objective, batches, options);
            }
        }
        return runs;
    }
}
