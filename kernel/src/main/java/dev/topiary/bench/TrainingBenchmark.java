package dev.topiary.bench;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.train.BatchSource;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingOptions;
import java.util.SplittableRandom;

/**
 * Training throughput: optimizer steps of the real training loop on random tokens, and the model FLOP utilisation
 * that implies (6 x parameters x tokens/s, the forward and backward matmul work, over the machine's matmul rate).
 */
final class TrainingBenchmark {

    private TrainingBenchmark() {}

    static String measure(LlamaConfig config, int batch, int length, double matmulGflops, int warmup, int repeats) {
        TrainingOptions options = TrainingOptions.of(
                new LearningRateSchedule(1e-3, 1e-4, 1, warmup + repeats + 1), batch, length);
        SplittableRandom random = new SplittableRandom(3);
        BatchSource batches = index -> new TokenBatch(random.ints((long) batch * length, 0, config.vocabSize()).toArray(),
                random.ints((long) batch * length, 0, config.vocabSize()).toArray(), batch, length);
        try (Llama model = Llama.random(config, 1, Device.cpu(), DataType.FLOAT32);
                Trainer trainer = new Trainer(model, Objective.LANGUAGE_MODELING, options)) {
            Timing t = Timing.of(warmup, repeats, () -> trainer.step(batches));
            double tokensPerSecond = (double) batch * length / t.median();
            double mfu = 6.0 * model.parameterCount() * tokensPerSecond / (matmulGflops * 1e9);
            return String.format("%s; model FLOP utilisation %.0f%% (6 x %,d parameters x tokens/s over %.0f GFLOP/s)",
                    t.rate((double) batch * length, "tokens/s"), 100 * mfu, model.parameterCount(), matmulGflops);
        }
    }
}
