package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Validation and derived values of {@link WidthSelection}, on 4 query heads in 2 KV groups of head_dim 8. */
class WidthSelectionTest {

    private final LlamaConfig config = TestModels.small(2, false);
    private final WidthSelection all = WidthSelection.all(config);

    @Test
    void theIdentityKeepsEverything() {
        assertTrue(all.isIdentity());
        assertEquals(config, all.prunedConfig());
        assertArrayEquals(IntStream.range(0, 32).toArray(), all.hiddenChannels());
    }

    @Test
    void indicesAreSortedAndCopied() {
        int[] channels = {9, 1, 5};
        WidthSelection s = all.withHiddenChannels(channels);
        channels[0] = 0;
        assertArrayEquals(new int[] {1, 5, 9}, s.hiddenChannels());
        s.hiddenChannels()[0] = 7;
        assertArrayEquals(new int[] {1, 5, 9}, s.hiddenChannels());
    }

    @Test
    void prunedConfigKeepsKvHeadsAndHeadDim() {
        LlamaConfig c = all.withHiddenChannels(0, 1, 2).withHeadsInEveryLayer(3, 0)
                .withNeuronsInEveryLayer(4, 5).prunedConfig();
        assertEquals(3, c.hiddenSize());
        assertEquals(2, c.numAttentionHeads());
        assertEquals(2, c.numKeyValueHeads());
        assertEquals(8, c.headDim());
        assertEquals(2, c.intermediateSize());
        assertEquals(config.numHiddenLayers(), c.numHiddenLayers());
    }

    @Test
    void headRowsAreHeadMajorBlocks() {
        long[] rows = all.withHeadsInEveryLayer(1, 2).headRows(0);
        long[] expected = new long[16];
        for (int j = 0; j < 8; j++) {
            expected[j] = 8 + j;
            expected[8 + j] = 16 + j;
        }
        assertArrayEquals(expected, rows);
    }

    @Test
    void rejectsBadIndices() {
        fails(() -> all.withHiddenChannels(0, 32), "index 32 is out of range [0, 32)");
        fails(() -> all.withHiddenChannels(-1), "index -1 is out of range");
        fails(() -> all.withHiddenChannels(3, 3), "index 3 is listed twice");
        fails(() -> all.withHiddenChannels(), "no hidden channels kept");
        fails(() -> all.withNeuronsInEveryLayer(96), "index 96 is out of range [0, 96)");
        fails(() -> all.withHeadsInEveryLayer(4, 0), "index 4 is out of range [0, 4)");
    }

    @Test
    void rejectsUnequalHeadGroups() {
        // Heads 0 and 1 are both of KV group 0.
        fails(() -> all.withHeadsInEveryLayer(0, 1), "keeps 2 query heads of KV group 0 but 0 of KV group 1");
        fails(() -> all.withHeadsInEveryLayer(0, 1, 2), "not a multiple of the 2 KV heads");
    }

    @Test
    void rejectsLayersOfDifferentWidths() {
        fails(() -> all.withHeads(new int[][] {{0, 2}, {0, 1, 2, 3}}), "layer 1 keeps 4 query heads but layer 0 keeps 2");
        fails(() -> all.withNeurons(new int[][] {{0, 1}, {5}}), "layer 1 keeps 1 MLP neurons but layer 0 keeps 2");
        fails(() -> all.withNeurons(new int[][] {{0}}), "for each of the 2 layers, got 1");
    }

    @Test
    void rejectsAnUnknownLayer() {
        fails(() -> all.heads(2), "layer 2 is out of range");
    }

    private static void fails(Executable call, String message) {
        TopiaryException e = assertThrows(TopiaryException.class, call);
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
