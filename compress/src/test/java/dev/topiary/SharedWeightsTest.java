package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.util.NativeResource;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Models that differ only in their defaults hold the same native weights, freed when the last of them closes. */
class SharedWeightsTest {

    private static final LlamaConfig CONFIG = LlamaPresets.tiny().toBuilder().setNumHiddenLayers(1).build();

    @Test
    void aModelWithOtherDataSharesItsSourcesNativeMemory() {
        Model source = Model.random(CONFIG, 7);
        Model other = source.withData(Corpus.embedded(Corpus.Split.TRAIN), Corpus.embedded(Corpus.Split.VALIDATION));
        assertSame(source.weights(), other.weights());
        Map<String, NDArray> mine = source.llama().parameters();
        Map<String, NDArray> theirs = other.llama().parameters();
        assertEquals(mine.keySet(), theirs.keySet());
        for (String name : mine.keySet()) {
            assertEquals(nativeAddress(mine.get(name)), nativeAddress(theirs.get(name)), name);
        }
        assertEquals(Corpus.embedded(Corpus.Split.TRAIN), other.defaults().training());
        assertEquals(null, source.defaults().training());

        int[] ids = {3, 1, 4, 1, 5};
        float[][] before = source.logits(ids);
        source.close();
        assertFalse(other.weights().isFreed(), "the other model still holds the weights");
        assertArrayEquals(before[4], other.logits(ids)[4]);
        other.close();
        assertTrue(other.weights().isFreed(), "the last holder freed them");
        assertThrows(TopiaryException.class, () -> other.withData(null, null));
    }

    @Test
    void aVerbThatChangesWeightsGivesTheNewModelItsOwn() {
        try (Model source = Model.random(CONFIG, 7); Model sparse = source.prune().magnitude(0.5)) {
            assertNotSame(source.weights(), sparse.weights());
            String name = "model.layers.0.mlp.down_proj.weight";
            assertTrue(nativeAddress(source.llama().parameters().get(name))
                    != nativeAddress(sparse.llama().parameters().get(name)));
        }
    }

    private static long nativeAddress(NDArray array) {
        @SuppressWarnings("unchecked")
        NativeResource<Long> resource = (NativeResource<Long>) array;
        return resource.getHandle();
    }
}
