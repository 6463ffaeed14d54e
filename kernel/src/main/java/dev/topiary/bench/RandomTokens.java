package dev.topiary.bench;

import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.Random;
import java.util.SplittableRandom;

/** Uniformly random token batches for benchmarks: speed does not depend on the ids, only on their shape. */
final class RandomTokens {

    private RandomTokens() {}

    /** Batch {@code index} of {@code batch} sequences of {@code length} ids below {@code vocab}, seeded by index. */
    static BatchSource batches(int vocab, int batch, int length) {
        return index -> {
            SplittableRandom r = new SplittableRandom(index);
            return new TokenBatch(r.ints((long) batch * length, 0, vocab).toArray(),
                    r.ints((long) batch * length, 0, vocab).toArray(), batch, length);
        };
    }

    /** A decoding prompt of {@code length} ids below {@code vocab}, the same on every call. */
    static int[] prompt(int length, int vocab) {
        return new Random(2).ints(length, 0, vocab).toArray();
    }
}
