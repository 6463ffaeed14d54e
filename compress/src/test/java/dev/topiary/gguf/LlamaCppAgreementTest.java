package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.data.CorpusSplit;
import dev.topiary.data.Document;
import dev.topiary.data.SotuCorpus;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.TestCache;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.llama.RopeScaling;
import dev.topiary.llamacpp.GgufReader;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exports checked by llama.cpp itself (the b4916 build bundled in de.kherud:llama, run in-process): its logits on
 * 512 positions equal Topiary's for every shape a pruned Llama can take, its dequantized weights equal the exported
 * values bit for bit, and its tokenizer splits every validation speech into Topiary's ids.
 */
class LlamaCppAgreementTest {

    private static final int POSITIONS = 512;

    @TempDir
    static Path dir;

    static Path tokenizer;

    @BeforeAll
    static void data() throws IOException {
        tokenizer = EmbeddedData.obtain(TestCache.withSharedData(Files.createDirectories(dir.resolve("cache")))).tokenizer();
    }

    /** Shapes: the embedded teacher's (tied, GQA, llama3 rope); a custom head_dim with an untied head; MHA, 1 layer. */
    static Stream<Arguments> shapes() {
        LlamaConfig tiny = LlamaPresets.tiny();
        return Stream.of(
                Arguments.of("embedded teacher's architecture", tiny),
                Arguments.of("width-pruned: hidden 128, ffn 352, 6 heads of head_dim 32 over 2 KV heads, untied",
                        tiny.toBuilder().setHiddenSize(128).setIntermediateSize(352).setNumAttentionHeads(6)
                                .optNumKeyValueHeads(2).optHeadDim(32).optTieWordEmbeddings(false).build()),
                Arguments.of("depth-pruned to 1 layer, multi-head attention, no rope scaling, theta 10000",
                        tiny.toBuilder().setNumHiddenLayers(1).optNumKeyValueHeads(8).optRopeScaling(null)
                                .optRopeTheta(10_000).build()),
                Arguments.of("llama3 rope of Llama-3.2 (factor 32), head_dim 64",
                        tiny.toBuilder().setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(64)
                                .optRopeScaling(RopeScaling.llama32()).build()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void f32ExportsGiveLlamaCppsLogitsWithin1e4OfTopiarys(String shape, LlamaConfig config) {
        try (Llama model = trained(config, 11)) {
            Path file = dir.resolve(config.hashCode() + "-f32.gguf");
            LlamaGguf.write(model, tokenizer, shape, "{}", GgmlType.F32, file);
            assertLogitsAgree(model, file, 1e-4);
        }
    }

    /**
     * F16 rounds every weight to 11 significant bits (relative error up to 2^-11, about 4.9e-4), and llama.cpp's F16
     * matrix products round their inputs to F16 as well; through two layers and a 4096-way head that stays within
     * 1e-2 of the largest logit, ten times F16's precision, where a wrong layout would be off by the logits' size.
     */
    @Test
    void f16ExportsAgreeWithinF16Precision() {
        try (Llama model = trained(LlamaPresets.tiny(), 12)) {
            Path file = dir.resolve("tiny-f16.gguf");
            LlamaGguf.write(model, tokenizer, "tiny f16", "{}", GgmlType.F16, file);
            assertLogitsAgree(model, file, 1e-2);
        }
    }

    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void llamaCppDequantizesEveryExportedMatrixToTopiarysValuesBitForBit(GgmlType type) {
        LlamaConfig config = LlamaPresets.tiny().toBuilder().setIntermediateSize(768).build(); // rows of 256
        try (Llama model = trained(config, 13)) {
            Path file = dir.resolve("tiny-" + type.ggmlName() + ".gguf");
            GgufExport export = LlamaGguf.write(model, tokenizer, "tiny", "{}", type, file);
            assertEquals(List.of(), export.fallbacks());
            try (GgufReader gguf = GgufReader.open(file)) {
                int matrices = 0;
                for (String name : gguf.tensorNames()) {
                    int id = gguf.tensorType(name);
                    byte[] bytes = gguf.tensorBytes(name);
                    GgmlType stored = GgmlType.fromId(id);
                    long elements = bytes.length / stored.bytesPerBlock() * (long) stored.blockSize();
                    float[] llamaCpp = GgufReader.dequantize(id, bytes, elements);
                    float[] topiary = stored.decode(bytes, 0, (int) elements);
                    assertArrayEquals(topiary, llamaCpp, 0f, name);
                    if (stored == type) {
                        matrices++;
                    }
                }
                assertEquals(1 + 7 * config.numHiddenLayers(), matrices, "embedding and seven matrices per layer");
            }
        }
    }

    /**
     * llama.cpp computes a quantized matrix product after rounding the activations to 8 bits in blocks (q8_0 for
     * the 32-element types, q8_K for the k-quants). For a block of roughly normal values the step is about max/127
     * = 0.02 sigma, a rounding error of 0.6% rms per element and per product; over the 15 products of two layers and
     * the head, amplified by attention and SiLU, that is a few percent. So llama.cpp's logits on the exported weights
     * and Topiary's on the same weights, read back from the file and dequantized by llama.cpp, differ by a mean of
     * under 10% of the logits' rms, and pick the same next token at most positions; a wrong block layout, scale or
     * q/k order gives differences of the order of the logits themselves (two unrelated models differ by 1.4 rms).
     * The read-back path itself is exact: on an F32 file it agrees to 1e-4.
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q6_K"})
    void quantizedExportsGiveLlamaCppsLogitsOnTheDequantizedWeights(GgmlType type) {
        LlamaConfig config = LlamaPresets.tiny().toBuilder().setIntermediateSize(768).build();
        try (Llama model = trained(config, 15)) {
            Path file = dir.resolve("logits-" + type.ggmlName() + ".gguf");
            LlamaGguf.write(model, tokenizer, "tiny", "{}", type, file);
            try (Llama dequantized = readBack(file, config)) {
                if (type == GgmlType.F32) {
                    assertLogitsAgree(dequantized, file, 1e-4);
                } else {
                    assertLogitsClose(dequantized, file, 0.1, 0.75);
                }
            }
        }
    }

    @Test
    void llamaCppTokenizesEveryValidationSpeechIntoTopiarysIds() {
        CorpusSplit split = SotuCorpus.split();
        try (Llama model = trained(LlamaPresets.tiny().toBuilder().setNumHiddenLayers(1).build(), 14)) {
            Path file = dir.resolve("tokenizer-check.gguf");
            LlamaGguf.write(model, tokenizer, "tokenizer", "{}", GgmlType.F32, file);
            try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, POSITIONS); Tokenizer topiary = Tokenizer.load(
                    tokenizer)) {
                for (Document speech : split.validation()) {
                    assertArrayEquals(topiary.encodeWithoutSpecialTokens(speech.text()),
                            llamaCpp.tokenize(speech.text(), false), speech.year() + " " + speech.president());
                    assertArrayEquals(topiary.encode(speech.text()), llamaCpp.tokenize(speech.text(), true),
                            speech.year() + " with the bos token");
                }
            }
        }
    }

    /**
     * llama.cpp's logits on {@link #POSITIONS} random tokens against Topiary's: the mean |difference| at most
     * {@code meanTolerance} of the logits' rms, and the same argmax on at least {@code argmaxShare} of the positions.
     */
    private static void assertLogitsClose(Llama model, Path file, double meanTolerance, double argmaxShare) {
        int[] ids = new Random(5).ints(POSITIONS, 0, model.config().vocabSize()).toArray();
        float[][] expected = model.logits(ids);
        try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, POSITIONS)) {
            float[][] actual = llamaCpp.logits(ids);
            double difference = 0;
            double square = 0;
            int sameArgmax = 0;
            for (int t = 0; t < POSITIONS; t++) {
                int mine = 0;
                int theirs = 0;
                for (int v = 0; v < expected[t].length; v++) {
                    difference += Math.abs(expected[t][v] - actual[t][v]);
                    square += (double) expected[t][v] * expected[t][v];
                    mine = expected[t][v] > expected[t][mine] ? v : mine;
                    theirs = actual[t][v] > actual[t][theirs] ? v : theirs;
                }
                sameArgmax += mine == theirs ? 1 : 0;
            }
            long n = (long) POSITIONS * expected[0].length;
            double rms = Math.sqrt(square / n);
            assertTrue(difference / n <= meanTolerance * rms, "mean |difference| " + difference / n + ", rms " + rms);
            assertTrue(sameArgmax >= argmaxShare * POSITIONS, sameArgmax + " of " + POSITIONS + " argmax agree");
        }
    }

    /**
     * The model a GGUF file holds, as Topiary's Llama: every tensor dequantized by llama.cpp, renamed to Hugging
     * Face's names, its GGML dimensions reversed, and q and k put back from adjacent to rotate-half pairs.
     */
    private static Llama readBack(Path file, LlamaConfig c) {
        Map<String, String> names = new LinkedHashMap<>();
        names.put("token_embd.weight", "model.embed_tokens.weight");
        names.put("output_norm.weight", "model.norm.weight");
        names.put("output.weight", "lm_head.weight");
        String[][] perLayer = {{"attn_norm", "input_layernorm"}, {"attn_q", "self_attn.q_proj"},
                {"attn_k", "self_attn.k_proj"}, {"attn_v", "self_attn.v_proj"}, {"attn_output", "self_attn.o_proj"},
                {"ffn_norm", "post_attention_layernorm"}, {"ffn_gate", "mlp.gate_proj"}, {"ffn_up", "mlp.up_proj"},
                {"ffn_down", "mlp.down_proj"}};
        for (int l = 0; l < c.numHiddenLayers(); l++) {
            for (String[] n : perLayer) {
                names.put("blk." + l + "." + n[0] + ".weight", "model.layers." + l + "." + n[1] + ".weight");
            }
        }
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        try (GgufReader gguf = GgufReader.open(file); NDManager manager = NDManager.newBaseManager(Device.cpu())) {
            for (String name : gguf.tensorNames()) {
                if (!names.containsKey(name)) {
                    continue;
                }
                int type = gguf.tensorType(name);
                byte[] bytes = gguf.tensorBytes(name);
                GgmlType stored = GgmlType.fromId(type);
                long elements = bytes.length / stored.bytesPerBlock() * (long) stored.blockSize();
                float[] values = GgufReader.dequantize(type, bytes, elements);
                boolean matrix = !name.endsWith("norm.weight");
                long rows = matrix ? elements / (name.startsWith("token_embd") || name.startsWith("output.")
                        ? c.hiddenSize() : columns(name, c)) : elements;
                if (name.contains("attn_q")) {
                    values = rotateHalfPairs(values, (int) rows, c.numAttentionHeads());
                } else if (name.contains("attn_k")) {
                    values = rotateHalfPairs(values, (int) rows, c.numKeyValueHeads());
                }
                Shape shape = matrix ? new Shape(rows, elements / rows) : new Shape(elements);
                tensors.put(names.get(name), manager.create(values, shape));
            }
            Llama model = Llama.fromParameters(c, tensors, file.toString());
            return model;
        }
    }

    /** The row length (GGML's first dimension) of a layer matrix: the input size of the projection. */
    private static long columns(String name, LlamaConfig c) {
        if (name.contains("attn_output")) {
            return (long) c.numAttentionHeads() * c.headDim();
        }
        return name.contains("ffn_down") ? c.intermediateSize() : c.hiddenSize();
    }

    /** The inverse of the export's interleaving: in each head, row 2i + j goes back to j * d/2 + i. */
    private static float[] rotateHalfPairs(float[] w, int rows, int heads) {
        int columns = w.length / rows;
        int d = rows / heads;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                for (int j = 0; j < 2; j++) {
                    System.arraycopy(w, (h * d + 2 * i + j) * columns, out, (h * d + j * (d / 2) + i) * columns,
                            columns);
                }
            }
        }
        return out;
    }

    /** llama.cpp's logits on {@link #POSITIONS} random tokens, compared with Topiary's: max |diff| / max |logit|. */
    private static void assertLogitsAgree(Llama model, Path file, double tolerance) {
        int[] ids = new Random(5).ints(POSITIONS, 0, model.config().vocabSize()).toArray();
        float[][] expected = model.logits(ids);
        try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, POSITIONS)) {
            float[][] actual = llamaCpp.logits(ids);
            double largest = 0;
            double worst = 0;
            for (int t = 0; t < POSITIONS; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    largest = Math.max(largest, Math.abs(expected[t][v]));
                    worst = Math.max(worst, Math.abs(expected[t][v] - actual[t][v]));
                }
            }
            assertTrue(worst <= tolerance * largest, "max |difference| " + worst + " against max |logit| " + largest);
        }
    }

    /**
     * A random model whose weights are spread as a trained model's are (initialisation at a larger scale), so that
     * logits vary over several units and the comparison is not of near-zeros.
     */
    private static Llama trained(LlamaConfig config, long seed) {
        try (Llama init = Llama.random(config, seed, Device.cpu(), DataType.FLOAT32)) {
            Map<String, NDArray> scaled = new LinkedHashMap<>();
            NDManager manager = init.manager();
            init.parameters().forEach((name, p) -> scaled.put(name, name.endsWith("norm.weight")
                    ? manager.randomUniform(0.5f, 1.5f, p.getShape()) : p.mul(5)));
            return Llama.fromParameters(config, scaled, "spread random weights");
        }
    }
}
