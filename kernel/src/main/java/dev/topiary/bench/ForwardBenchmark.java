package dev.topiary.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import java.util.Random;

/** Forward-pass throughput of a model: full-sequence (prefill) passes and token-by-token decoding with a cache. */
final class ForwardBenchmark {

    private ForwardBenchmark() {}

    /** Tokens per second of full forward passes over {@code batch} sequences of {@code steps} random tokens. */
    static String prefill(Llama model, int batch, int steps, int warmup, int repeats) {
        int[] ids = new Random(1).ints((long) batch * steps, 0, model.config().vocabSize()).toArray();
        try (NDManager m = model.manager().newSubManager()) {
            NDArray input = m.create(ids, new Shape(batch, steps));
            Timing t = Timing.of(warmup, repeats, () -> model.forward(input).close());
            return t.rate((double) batch * steps, "tokens/s");
        }
    }

    /** Tokens per second of greedy decoding, {@code tokens} new tokens after a {@code prompt}-token prompt. */
    static String decode(Llama model, int prompt, int tokens, int warmup, int repeats) {
        return decodeTiming(model, prompt, tokens, warmup, repeats).rate(tokens, "tokens/s (prompt included in the time)");
    }

    /** The timing of greedy decoding of {@code tokens} new tokens after a {@code prompt}-token random prompt. */
    static Timing decodeTiming(Llama model, int prompt, int tokens, int warmup, int repeats) {
        int[] ids = RandomTokens.prompt(prompt, model.config().vocabSize());
        GenerationOptions options = GenerationOptions.greedy(tokens).withStopAtEos(false);
        return Timing.of(warmup, repeats, () -> Generator.generate(model, ids, options));
    }
}
