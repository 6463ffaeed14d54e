package dev.topiary.data;

import dev.topiary.TopiaryException;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.SplittableRandom;

/**
 * Training batches packed from an indexed dataset as Megatron-LM's GPTDataset packs them: the documents' tokens
 * concatenated into one stream (each document already ends with the end-of-text token its writer appended), cut
 * into samples of {@code sequenceLength + 1} tokens that overlap by one, so sample k is tokens
 * {@code [k*L, k*L + L + 1)}; its input is the first L tokens and its target the last L, the input shifted by one.
 * An epoch is every whole sample once, in an order shuffled by Fisher-Yates with a {@link SplittableRandom} seeded
 * {@code seed + epoch}; epochs follow one another without end, and a batch may take its last samples from the next
 * epoch.
 *
 * <p>{@link #batch(long)} is a pure function of the step, so training resumed at step k sees exactly the batches an
 * uninterrupted run would have seen. Safe for concurrent use.
 */
public final class PackedBatches implements BatchSource {

    private final IndexedDataset data;
    private final int sequenceLength;
    private final int batchSize;
    private final long seed;
    private final int samplesPerEpoch;
    // The order of the epoch most recently asked for; batches run through epochs in order, so one is enough.
    private Order cached;

    private record Order(long epoch, int[] samples) {}

    /**
     * @throws TopiaryException when the dataset holds fewer tokens than one sample
     * @throws IllegalArgumentException when {@code sequenceLength} or {@code batchSize} is below 1
     */
    public PackedBatches(IndexedDataset data, int sequenceLength, int batchSize, long seed) {
        if (sequenceLength < 1 || batchSize < 1) {
            throw new IllegalArgumentException("sequenceLength and batchSize must be >= 1, not " + sequenceLength
                    + " and " + batchSize);
        }
        if ((long) sequenceLength * batchSize > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a batch of " + batchSize + " x " + sequenceLength
                    + " tokens does not fit one Java array");
        }
        long tokens = data.totalTokens();
        if (tokens < (long) sequenceLength + 1) {
            throw new TopiaryException("dataset " + data.prefix() + " holds " + tokens
                    + " tokens, fewer than one sequence of " + sequenceLength + "+1");
        }
        // The last token can only be a target, hence the - 1 (Megatron's add_extra_token).
        long samples = (tokens - 1) / sequenceLength;
        if (samples > Integer.MAX_VALUE - 8) {
            throw new TopiaryException("dataset " + data.prefix() + " makes " + samples + " samples of "
                    + sequenceLength + "+1 tokens, more than the " + (Integer.MAX_VALUE - 8)
                    + " an epoch can order; use longer sequences");
        }
        this.data = data;
        this.sequenceLength = sequenceLength;
        this.batchSize = batchSize;
        this.seed = seed;
        this.samplesPerEpoch = (int) samples;
    }

    /** Whole samples in the token stream: every one appears once per epoch. */
    public long samplesPerEpoch() {
        return samplesPerEpoch;
    }

    public int sequenceLength() {
        return sequenceLength;
    }

    public int batchSize() {
        return batchSize;
    }

    /** Batches until the first epoch's samples are all used (the last may run into the next epoch). */
    public long stepsPerEpoch() {
        return (samplesPerEpoch + batchSize - 1) / batchSize;
    }

    /** The batch of step {@code step} (from 0): samples {@code step*B .. step*B + B - 1} of the endless sequence. */
    @Override
    public TokenBatch batch(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be >= 0, not " + step);
        }
        int[] inputs = new int[batchSize * sequenceLength];
        int[] targets = new int[batchSize * sequenceLength];
        long first = Math.multiplyExact(step, (long) batchSize);
        for (int b = 0; b < batchSize; b++) {
            int sample = sampleAt(first + b);
            int[] window = data.tokens((long) sample * sequenceLength, sequenceLength + 1);
            System.arraycopy(window, 0, inputs, b * sequenceLength, sequenceLength);
            System.arraycopy(window, 1, targets, b * sequenceLength, sequenceLength);
        }
        return new TokenBatch(inputs, targets, batchSize, sequenceLength);
    }

    /** The sample at position {@code position} of the endless shuffled sequence of epochs. */
    int sampleAt(long position) {
        long epoch = position / samplesPerEpoch;
        return order(epoch)[(int) (position % samplesPerEpoch)];
    }

    /** The samples of {@code epoch} in shuffled order. */
    int[] order(long epoch) {
        synchronized (this) {
            if (cached != null && cached.epoch() == epoch) {
                return cached.samples();
            }
        }
        int[] samples = shuffled(samplesPerEpoch, seed + epoch);
        synchronized (this) {
            cached = new Order(epoch, samples);
        }
        return samples;
    }

    /** 0 .. n-1 in Fisher-Yates order drawn from a generator seeded {@code seed}. */
    static int[] shuffled(int n, long seed) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = out[i];
            out[i] = out[j];
            out[j] = t;
        }
        return out;
    }
}
