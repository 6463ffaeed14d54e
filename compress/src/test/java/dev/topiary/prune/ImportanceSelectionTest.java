package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import org.junit.jupiter.api.Test;

class ImportanceSelectionTest {

    static final LlamaConfig SOURCE = LlamaConfig.builder().setHiddenSize(6).setIntermediateSize(5)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(2).setNumHiddenLayers(2).setVocabSize(10)
            .build();

    static ImportanceScores scores() {
        return new ImportanceScores(
                new float[] {0.1f, 0.9f, 0.5f, 0.7f, 0.2f, 0.8f},
                new float[][] {{3, 1, 2, 4}, {1, 2, 9, 8}},
                new float[][] {{5, 4, 3, 2, 1}, {1, 2, 3, 4, 5}},
                new double[] {0.3, 0.1}, null, 100);
    }

    @Test
    void keepsTheMostImportantUnitsAndTheSameNumberOfHeadsPerKvGroup() {
        LlamaConfig target = SOURCE.toBuilder().setHiddenSize(3).setIntermediateSize(2).setNumAttentionHeads(2).build();
        WidthSelection selection = ImportanceSelection.width(scores(), SOURCE, target);
        assertArrayEquals(new int[] {1, 3, 5}, selection.hiddenChannels());
        // Groups are heads {0, 1} and {2, 3}: one head from each, even where the best two share a group.
        assertArrayEquals(new int[] {0, 3}, selection.heads(0));
        assertArrayEquals(new int[] {1, 2}, selection.heads(1));
        assertArrayEquals(new int[] {0, 1}, selection.neurons(0));
        assertArrayEquals(new int[] {3, 4}, selection.neurons(1));
        assertEquals(target.toJson(), selection.prunedConfig().toJson());
    }

    @Test
    void dropsTheLayersThatChangeTheResidualStreamLeast() {
        assertArrayEquals(new int[] {1}, ImportanceSelection.leastImportantLayers(scores(), 1));
        assertThrows(TopiaryException.class, () -> ImportanceSelection.leastImportantLayers(scores(), 2));
        LlamaConfig shallower = SOURCE.toBuilder().setNumHiddenLayers(1).build();
        assertThrows(TopiaryException.class, () -> ImportanceSelection.width(scores(), SOURCE, shallower));
    }
}
