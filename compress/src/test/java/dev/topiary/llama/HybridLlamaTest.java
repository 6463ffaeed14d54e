package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The hybrid pass against plain forward passes of models assembled from the same layers: no module replaced is the
 * predecessor, every module replaced is the successor, a mix is the model made of the layers it chose.
 */
class HybridLlamaTest {

    static final LlamaConfig PREDECESSOR = LlamaConfig.builder().setHiddenSize(16).setIntermediateSize(56)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).setNumHiddenLayers(4).setVocabSize(29)
            .optTieWordEmbeddings(false).optMaxPositionEmbeddings(64).build();
    static final int[][] IDS = {{5, 0, 28, 17, 3, 3, 12}, {9, 22, 1, 6, 6, 0, 2}};

    static Llama predecessor;
    static Llama other;
    static Llama successor;

    @BeforeAll
    static void models() {
        predecessor = Llama.random(PREDECESSOR, 1, Device.cpu(), DataType.FLOAT32);
        other = Llama.random(PREDECESSOR, 2, Device.cpu(), DataType.FLOAT32);
        // Layers 0 and 2 of another model, unlike any of the predecessor's, between its embedding, norm and head.
        successor = assemble(List.of(other, other), 0, 2);
    }

    @AfterAll
    static void close() {
        successor.close();
        other.close();
        predecessor.close();
    }

    /** The predecessor's embedding, final norm and head around layer {@code layers[i]} of {@code from[i]}. */
    static Llama assemble(List<Llama> from, int... layers) {
        LlamaConfig config = PREDECESSOR.toBuilder().setNumHiddenLayers(layers.length).build();
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        for (String shared : List.of(LlamaLayout.EMBED_TOKENS, LlamaLayout.FINAL_NORM, LlamaLayout.LM_HEAD)) {
            tensors.put(shared, predecessor.parameters().get(shared).duplicate());
        }
        for (int i = 0; i < layers.length; i++) {
            String source = LlamaLayout.layerPrefix(layers[i]);
            for (Map.Entry<String, NDArray> e : from.get(i).parameters().entrySet()) {
                if (e.getKey().startsWith(source)) {
                    tensors.put(LlamaLayout.layerPrefix(i) + e.getKey().substring(source.length()),
                            e.getValue().duplicate());
                }
            }
        }
        return Llama.fromParameters(config, tensors, "assembled layers " + Arrays.toString(layers));
    }

    static float[] hybrid(boolean... replaced) {
        try (NDManager m = predecessor.manager().newSubManager()) {
            return HybridLlama.of(predecessor, successor).forward(ids(m), replaced).toFloatArray();
        }
    }

    static float[] forward(Llama model) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.forward(ids(m)).toFloatArray();
        }
    }

    static NDArray ids(NDManager m) {
        return m.create(Arrays.stream(IDS).flatMapToInt(Arrays::stream).toArray(), new Shape(2, 7));
    }

    @Test
    void noModuleReplacedIsExactlyThePredecessor() {
        assertArrayEquals(forward(predecessor), hybrid(false, false));
    }

    @Test
    void everyModuleReplacedIsExactlyTheSuccessor() {
        assertArrayEquals(forward(successor), hybrid(true, true));
        assertFalse(Arrays.equals(forward(predecessor), forward(successor)));
    }

    @Test
    void aMixIsTheModelOfTheLayersItChose() {
        try (Llama firstReplaced = assemble(List.of(other, predecessor, predecessor), 0, 2, 3);
                Llama secondReplaced = assemble(List.of(predecessor, predecessor, other), 0, 1, 2)) {
            assertArrayEquals(forward(firstReplaced), hybrid(true, false));
            assertArrayEquals(forward(secondReplaced), hybrid(false, true));
        }
    }

    @Test
    void modulesAreEqualRunsOfThePredecessorsLayers() {
        HybridLlama hybrid = HybridLlama.of(predecessor, successor);
        assertEquals(2, hybrid.modules());
        assertEquals(2, hybrid.layersPerModule());
        try (Llama one = assemble(List.of(other), 0)) {
            assertEquals(4, HybridLlama.of(predecessor, one).layersPerModule());
        }
    }

    @Test
    void aSuccessorThatDoesNotFitIsRefused() {
        try (Llama three = assemble(List.of(other, other, other), 0, 1, 2);
                Llama wider = Llama.random(PREDECESSOR.toBuilder().setNumHiddenLayers(2).setHiddenSize(32)
                        .setIntermediateSize(112).build(), 3, Device.cpu(), DataType.FLOAT32)) {
            TopiaryException indivisible = assertThrows(TopiaryException.class,
                    () -> HybridLlama.of(predecessor, three));
            assertTrue(indivisible.getMessage().contains("4 layers"), indivisible.getMessage());
            assertThrows(TopiaryException.class, () -> HybridLlama.of(predecessor, wider));
        }
        TopiaryException choices = assertThrows(TopiaryException.class, () -> hybrid(true));
        assertTrue(choices.getMessage().contains("one choice per module (2)"), choices.getMessage());
    }
}
