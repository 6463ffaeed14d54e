package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.topiary.TopiaryException;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.TokenBatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packing, shifting, shuffling and resuming, over a stream whose token ids are their own positions. */
class PackedBatchesTest {

    private static final int TOKENS = 1001;
    private static final int L = 10;

    @TempDir
    Path dir;
    IndexedDataset data;

    @BeforeEach
    void writeDataset() {
        // Documents of uneven lengths whose tokens number the stream 0, 1, 2, ...: samples cross documents.
        Path prefix = dir.resolve("stream");
        SplittableRandom random = new SplittableRandom(9);
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, TOKENS)) {
            int next = 0;
            while (next < TOKENS) {
                int length = Math.min(TOKENS - next, 1 + random.nextInt(40));
                int[] doc = new int[length];
                for (int k = 0; k < length; k++) {
                    doc[k] = next++;
                }
                w.addDocument(doc);
            }
            w.finish();
        }
        data = IndexedDataset.open(prefix);
    }

    @AfterEach
    void closeDataset() {
        data.close();
    }

    @Test
    void everySampleAppearsOncePerEpochWithTargetsShiftedByOne() {
        PackedBatches batches = new PackedBatches(data, L, 5, 42);
        // The last token is only ever a target, as in Megatron's GPTDataset.
        assertEquals(100, batches.samplesPerEpoch());
        assertEquals(20, batches.stepsPerEpoch());
        for (int epoch = 0; epoch < 2; epoch++) {
            int[] seen = new int[100];
            for (int step = epoch * 20; step < epoch * 20 + 20; step++) {
                TokenBatch batch = batches.batch(step);
                assertEquals(5, batch.batchSize());
                assertEquals(L, batch.sequenceLength());
                for (int row = 0; row < 5; row++) {
                    int first = batch.inputs()[row * L];
                    assertEquals(0, first % L, "samples start at multiples of L");
                    for (int t = 0; t < L; t++) {
                        assertEquals(first + t, batch.inputs()[row * L + t]);
                        assertEquals(first + t + 1, batch.targets()[row * L + t]);
                    }
                    seen[first / L]++;
                }
            }
            int[] once = new int[100];
            Arrays.fill(once, 1);
            assertArrayEquals(once, seen, "epoch " + epoch);
        }
    }

    @Test
    void orderIsShuffledBySeedAndEpoch() {
        PackedBatches a = new PackedBatches(data, L, 100, 42);
        int[] epoch0 = firstTokens(a.batch(0));
        assertArrayEquals(epoch0, firstTokens(new PackedBatches(data, L, 100, 42).batch(0)), "same seed, same order");
        assertFalse(Arrays.equals(epoch0, firstTokens(new PackedBatches(data, L, 100, 43).batch(0))));
        assertFalse(Arrays.equals(epoch0, firstTokens(a.batch(1))), "each epoch has its own order");
        int[] sorted = epoch0.clone();
        Arrays.sort(sorted);
        assertFalse(Arrays.equals(sorted, epoch0), "shuffled");
        // Epoch e is seeded seed + e.
        assertArrayEquals(firstTokens(new PackedBatches(data, L, 100, 43).batch(0)), firstTokens(a.batch(1)));
    }

    @Test
    void batchIsAPureFunctionOfTheStep() {
        // 7 does not divide 100, so some batches straddle two epochs.
        PackedBatches fresh = new PackedBatches(data, L, 7, 5);
        TokenBatch resumed = fresh.batch(14);
        PackedBatches walked = new PackedBatches(data, L, 7, 5);
        for (int step = 0; step < 40; step++) {
            walked.batch(step);
        }
        assertBatchEquals(resumed, walked.batch(14));
        assertBatchEquals(fresh.batch(3), walked.batch(3));
        assertBatchEquals(fresh.batch(1000), new PackedBatches(data, L, 7, 5).batch(1000));
        // Step 14 holds positions 98..104: the last two samples of epoch 0, then the first five of epoch 1.
        int[] firsts = firstTokens(resumed);
        PackedBatches one = new PackedBatches(data, L, 1, 5);
        for (int b = 0; b < 7; b++) {
            assertEquals(firstTokens(one.batch(98 + b))[0], firsts[b]);
        }
        assertArrayEquals(Arrays.copyOfRange(firstTokens(new PackedBatches(data, L, 100, 6).batch(0)), 0, 5),
                Arrays.copyOfRange(firsts, 2, 7));
    }

    @Test
    void datasetShorterThanOneSampleIsAnError() {
        Path prefix = dir.resolve("tiny");
        try (IndexedDatasetWriter w = IndexedDatasetWriter.open(prefix, 100)) {
            w.addDocument(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            w.finish();
        }
        try (IndexedDataset tiny = IndexedDataset.open(prefix)) {
            TopiaryException e = assertThrows(TopiaryException.class, () -> new PackedBatches(tiny, 10, 2, 0));
            assertEquals("dataset " + prefix + " holds 10 tokens, fewer than one sequence of 10+1", e.getMessage());
            PackedBatches nine = new PackedBatches(tiny, 9, 2, 0);
            assertEquals(1, nine.samplesPerEpoch());
            // One sample, repeated across epochs to fill the batch.
            assertArrayEquals(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9}, nine.batch(0).inputs());
        }
        assertThrows(IllegalArgumentException.class, () -> new PackedBatches(data, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new PackedBatches(data, L, 1, 0).batch(-1));
    }

    private static int[] firstTokens(TokenBatch batch) {
        int[] out = new int[batch.batchSize()];
        for (int b = 0; b < out.length; b++) {
            out[b] = batch.inputs()[b * batch.sequenceLength()];
        }
        return out;
    }

    private static void assertBatchEquals(TokenBatch expected, TokenBatch actual) {
        assertArrayEquals(expected.inputs(), actual.inputs());
        assertArrayEquals(expected.targets(), actual.targets());
    }
}
