package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.TestCache;
import dev.topiary.llama.LayerSharing;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.llamacpp.GgufReader;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model whose four layers share two blocks, exported to GGUF: llama.cpp has no sharing, so the file holds four
 * layers, each shared block written once for every layer that uses it, and llama.cpp (the build bundled in
 * de.kherud:llama, in-process) computes the shared model's logits from it.
 */
class SharedLayersGgufTest {

    private static final int POSITIONS = 128;

    @Test
    void theExportWritesEveryLayerAndLlamaCppComputesTheSharedModelsLogits(@TempDir Path dir) throws IOException {
        Path tokenizer = EmbeddedData.obtain(TestCache.withSharedData(Files.createDirectories(dir.resolve("cache"))))
                .tokenizer();
        LlamaConfig config = LlamaPresets.tiny();
        assertEquals(4, config.numHiddenLayers());
        Path file = dir.resolve("shared.gguf");
        try (Llama plain = spread(config, 21);
                Llama shared = LayerSharing.share(plain, LayerSharing.Pattern.CYCLE.layerBlocks(4, 2));
                Llama expanded = LayerSharing.expand(shared)) {
            GgufExport export = LlamaGguf.write(shared, tokenizer, "shared", "{}", GgmlType.F32, file);
            assertEquals(2, export.sharedBlocks());
            assertTrue(export.expanded());
            assertEquals(LlamaLayout.parameterCount(config), export.parameters(), "the expanded parameters");
            assertTrue(export.parameters() > shared.parameterCount());
            assertTrue(export.toString().contains("the layers' 2 shared blocks are written once per layer, as"
                    + " llama.cpp has no sharing"), export.toString());

            try (GgufReader gguf = GgufReader.open(file)) {
                assertEquals(4, gguf.uint32("llama.block_count"));
                List<String> names = gguf.tensorNames();
                assertEquals(4 * 9, names.stream().filter(n -> n.startsWith("blk.")).count());
                for (String kind : List.of("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm",
                        "ffn_gate", "ffn_up", "ffn_down")) {
                    String tensor = "." + kind + ".weight";
                    assertArrayEquals(gguf.tensorBytes("blk.0" + tensor), gguf.tensorBytes("blk.2" + tensor), kind);
                    assertArrayEquals(gguf.tensorBytes("blk.1" + tensor), gguf.tensorBytes("blk.3" + tensor), kind);
                    if (!kind.endsWith("norm")) {
                        assertFalse(Arrays.equals(gguf.tensorBytes("blk.0" + tensor),
                                gguf.tensorBytes("blk.1" + tensor)), kind + " differs between the two blocks");
                    }
                }
            }

            int[] ids = new Random(5).ints(POSITIONS, 0, config.vocabSize()).toArray();
            float[][] sharedLogits = shared.logits(ids);
            float[][] expandedLogits = expanded.logits(ids);
            try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, POSITIONS)) {
                assertEquals(LlamaLayout.parameterCount(config) + config.headDim() / 2, llamaCpp.parameterCount(),
                        "four layers of their own, and llama3 rope's head_dim / 2 factors in rope_freqs");
                float[][] actual = llamaCpp.logits(ids);
                double largest = 0;
                double worst = 0;
                for (int t = 0; t < POSITIONS; t++) {
                    assertArrayEquals(sharedLogits[t], expandedLogits[t], 0f, "the expansion computes as the model");
                    for (int v = 0; v < sharedLogits[t].length; v++) {
                        largest = Math.max(largest, Math.abs(sharedLogits[t][v]));
                        worst = Math.max(worst, Math.abs(sharedLogits[t][v] - actual[t][v]));
                    }
                }
                assertTrue(worst <= 1e-4 * largest, "max |difference| " + worst + " against max |logit| " + largest);
            }
        }
    }

    /** A random model with a trained model's spread of weights, so that logits vary over several units. */
    private static Llama spread(LlamaConfig config, long seed) {
        try (Llama init = Llama.random(config, seed, Device.cpu(), DataType.FLOAT32)) {
            Map<String, NDArray> scaled = new LinkedHashMap<>();
            NDManager manager = init.manager();
            init.parameters().forEach((name, p) -> scaled.put(name, name.endsWith("norm.weight")
                    ? manager.randomUniform(0.5f, 1.5f, p.getShape()) : p.mul(5)));
            return Llama.fromParameters(config, scaled, "spread random weights");
        }
    }
}
