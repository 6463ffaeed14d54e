package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LlamaConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static String llama31_8b() throws IOException {
        try (InputStream in = LlamaConfigTest.class.getResourceAsStream("/configs/llama-3.1-8b.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void theRealLlama31_8bConfigParses() throws IOException {
        LlamaConfig c = LlamaConfig.fromJson(llama31_8b(), "llama-3.1-8b/config.json");
        assertEquals(4096, c.hiddenSize());
        assertEquals(14336, c.intermediateSize());
        assertEquals(32, c.numAttentionHeads());
        assertEquals(8, c.numKeyValueHeads());
        assertEquals(128, c.headDim());
        assertEquals(32, c.numHiddenLayers());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(new RopeScaling(8.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(128256, c.vocabSize());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(131072, c.maxPositionEmbeddings());
        assertEquals(128000, c.bosTokenId());
        assertEquals(List.of(128001, 128008, 128009), c.eosTokenIds());
        assertEquals("bfloat16", c.torchDtype());
        assertEquals(LlamaPresets.llama31_8b().toJson().without("transformers_version"),
                c.toJson().without(List.of("transformers_version", "attention_dropout", "initializer_range",
                        "pretraining_tp", "use_cache")));
        // 8.03B parameters, as published.
        assertEquals(8_030_261_248L, LlamaLayout.parameterCount(c));
    }

    @Test
    void unknownFieldsAreKeptAndEveryFieldWritesBack() throws IOException {
        ObjectNode original = (ObjectNode) JSON.readTree(llama31_8b());
        original.put("some_future_field", "kept");
        LlamaConfig c = LlamaConfig.fromJson(original.toString(), "config.json");
        ObjectNode written = c.toJson();
        assertEquals("kept", written.get("some_future_field").asText());
        assertEquals("4.43.0.dev0", written.get("transformers_version").asText());
        // Everything read comes back with the same value; head_dim is added explicitly.
        original.fields().forEachRemaining(e -> {
            JsonNode back = written.get(e.getKey());
            assertTrue(back != null, e.getKey());
            if (e.getValue().isNumber()) {
                assertEquals(e.getValue().doubleValue(), back.doubleValue(), e.getKey());
            } else {
                assertEquals(e.getValue(), back, e.getKey());
            }
        });
        assertEquals(128, written.get("head_dim").asInt());
        assertEquals(c, LlamaConfig.fromJson(c.toJsonString(), "round trip"));
    }

    @Test
    void headDimMayDifferFromHiddenOverHeads() {
        LlamaConfig width = LlamaPresets.minitron4bWidth();
        assertEquals(3072 / 32, 96);
        assertEquals(128, width.headDim());
        assertEquals(128, LlamaConfig.fromJson(width.toJsonString(), "x").headDim());
    }

    static final String MINIMAL = "{\"hidden_size\": 64, \"intermediate_size\": 224, \"num_attention_heads\": 4,"
            + " \"num_hidden_layers\": 2, \"vocab_size\": 100}";

    @Test
    void defaultsFollowHuggingFace() {
        // transformers' LlamaConfig: num_key_value_heads = heads, head_dim = hidden / heads, rms_norm_eps 1e-6,
        // rope_theta 10000.0, rope_scaling None, tie_word_embeddings False, max_position_embeddings 2048,
        // bos_token_id 1, eos_token_id 2.
        LlamaConfig c = LlamaConfig.fromJson(MINIMAL, "minimal");
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(1e-6, c.rmsNormEps());
        assertEquals(10000.0, c.ropeTheta());
        assertNull(c.ropeScaling());
        assertEquals(false, c.tieWordEmbeddings());
        assertEquals(2048, c.maxPositionEmbeddings());
        assertEquals(1, c.bosTokenId());
        assertEquals(List.of(2), c.eosTokenIds());
        assertNull(c.torchDtype());
    }

    @Test
    void theBuilderAndTheParserShareTheirDefaults() {
        LlamaConfig parsed = LlamaConfig.fromJson(MINIMAL, "minimal");
        LlamaConfig built = LlamaConfig.builder().setHiddenSize(64).setIntermediateSize(224).setNumAttentionHeads(4)
                .setNumHiddenLayers(2).setVocabSize(100).build();
        assertEquals(built.numKeyValueHeads(), parsed.numKeyValueHeads());
        assertEquals(built.headDim(), parsed.headDim());
        assertEquals(built.rmsNormEps(), parsed.rmsNormEps());
        assertEquals(built.ropeTheta(), parsed.ropeTheta());
        assertEquals(built.ropeScaling(), parsed.ropeScaling());
        assertEquals(built.tieWordEmbeddings(), parsed.tieWordEmbeddings());
        assertEquals(built.maxPositionEmbeddings(), parsed.maxPositionEmbeddings());
        assertEquals(built.bosTokenId(), parsed.bosTokenId());
        assertEquals(built.eosTokenIds(), parsed.eosTokenIds());
        assertEquals(built.torchDtype(), parsed.torchDtype());
        assertEquals(built.toJsonString(), parsed.toJsonString());
    }

    @Test
    void theTinyPresetSerialisesAsItAlwaysHas() {
        // Part of the embedded teacher's cache key: a change here retrains the teacher and moves every result.
        assertEquals("""
            {
              "architectures" : [ "LlamaForCausalLM" ],
              "model_type" : "llama",
              "hidden_act" : "silu",
              "attention_bias" : false,
              "mlp_bias" : false,
              "hidden_size" : 256,
              "intermediate_size" : 896,
              "num_attention_heads" : 8,
              "num_key_value_heads" : 2,
              "head_dim" : 32,
              "num_hidden_layers" : 4,
              "rms_norm_eps" : 1.0E-5,
              "rope_theta" : 500000.0,
              "rope_scaling" : {
                "rope_type" : "llama3",
                "factor" : 8.0,
                "low_freq_factor" : 1.0,
                "high_freq_factor" : 4.0,
                "original_max_position_embeddings" : 8192
              },
              "vocab_size" : 4096,
              "tie_word_embeddings" : true,
              "max_position_embeddings" : 2048,
              "bos_token_id" : 4094,
              "eos_token_id" : 4095,
              "torch_dtype" : "float32"
            }
            """, LlamaPresets.tiny().toJsonString());
    }

    @Test
    void llama32_1bHasLlama32sRopeScaling() {
        LlamaConfig c = LlamaPresets.llama32_1b();
        assertEquals(new RopeScaling(32.0, 1.0, 4.0, 8192), c.ropeScaling());
        assertEquals(500000.0, c.ropeTheta());
        JsonNode rs = c.toJson().get("rope_scaling");
        assertEquals("llama3", rs.get("rope_type").asText());
        assertEquals(32.0, rs.get("factor").doubleValue());
        assertEquals(c, LlamaConfig.fromJson(c.toJsonString(), "round trip"));
        assertEquals(RopeScaling.llama31(), LlamaPresets.llama31_8b().ropeScaling());
    }

    @Test
    void badConfigsNameTheField(@TempDir Path dir) throws IOException {
        assertMessage("{\"intermediate_size\": 1, \"num_attention_heads\": 1, \"num_hidden_layers\": 1,"
                + " \"vocab_size\": 5}", "field 'hidden_size' is required");
        assertMessage("{\"hidden_size\": \"big\"}", "field 'hidden_size' must be an integer, got \"big\"");
        assertMessage("{\"hidden_size\": 64, \"intermediate_size\": 1, \"num_attention_heads\": 4,"
                + " \"num_key_value_heads\": 3, \"num_hidden_layers\": 1, \"vocab_size\": 5}",
                "num_attention_heads (4) must be a multiple of num_key_value_heads (3)");
        assertMessage("{\"model_type\": \"gpt2\"}", "field 'model_type' is 'gpt2'");
        assertMessage("{\"hidden_size\": 64, \"intermediate_size\": 1, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 1, \"vocab_size\": 5, \"rope_scaling\": {\"rope_type\": \"yarn\"}}",
                "field 'rope_scaling.rope_type' is 'yarn'");
        assertMessage("{\"hidden_size\": 64, \"intermediate_size\": 1, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 1, \"vocab_size\": 5, \"rope_scaling\": {\"rope_type\": \"llama3\","
                + " \"factor\": 8}}", "field 'rope_scaling.low_freq_factor' is required");
        assertMessage("[1, 2]", "must hold a JSON object");
        assertMessage("{\"hidden_size\": ", "is not valid JSON");

        TopiaryException missing = assertThrows(TopiaryException.class, () -> LlamaConfig.read(dir));
        assertEquals("config file not found: " + dir.resolve("config.json"), missing.getMessage());
        Files.writeString(dir.resolve("config.json"), "{}");
        TopiaryException empty = assertThrows(TopiaryException.class, () -> LlamaConfig.read(dir));
        assertTrue(empty.getMessage().startsWith(dir.resolve("config.json") + ": field 'hidden_size'"),
                empty.getMessage());
    }

    @Test
    void beginAndEndTokenIdsMustLieInTheVocabulary() {
        String sizes = "{\"hidden_size\": 64, \"intermediate_size\": 1, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 1, \"vocab_size\": 300, ";
        assertMessage(sizes + "\"bos_token_id\": 4094, \"eos_token_id\": 299}",
                "cfg.json: bos_token_id 4094 is outside the vocabulary: vocab_size is 300, so ids run from 0 to 299");
        assertMessage(sizes + "\"bos_token_id\": 0, \"eos_token_id\": [5, 300]}",
                "cfg.json: eos_token_id 300 is outside the vocabulary: vocab_size is 300, so ids run from 0 to 299");
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> LlamaPresets.tiny().toBuilder().optBosTokenId(-1).build());
        assertEquals("bos_token_id -1 is outside the vocabulary: vocab_size is 4096, so ids run from 0 to 4095",
                negative.getMessage());
        IllegalArgumentException shrunk = assertThrows(IllegalArgumentException.class,
                () -> LlamaPresets.tiny().toBuilder().setVocabSize(300).build());
        assertTrue(shrunk.getMessage().startsWith("bos_token_id 4094 is outside the vocabulary"), shrunk.getMessage());
    }

    @Test
    void aResizedVocabularyKeepsTheSpecialTokensAtItsEnd() {
        LlamaConfig tiny = LlamaPresets.tiny().withVocabSize(300);
        assertEquals(300, tiny.vocabSize());
        assertEquals(298, tiny.bosTokenId());
        assertEquals(List.of(299), tiny.eosTokenIds());
        LlamaConfig llama = LlamaPresets.llama31_8b().withVocabSize(1000);
        assertEquals(1000 - 256, llama.bosTokenId());
        assertEquals(List.of(1000 - 255, 1000 - 248, 1000 - 247), llama.eosTokenIds());
        IllegalArgumentException tooSmall = assertThrows(IllegalArgumentException.class,
                () -> LlamaPresets.llama31_8b().withVocabSize(200));
        assertEquals("vocab_size 200 is too small: bos_token_id 128000 sits 256 ids from the end of a vocabulary of"
                + " 128256, and the special tokens keep their place at the end", tooSmall.getMessage());
    }

    @Test
    void exitLayersAreAFieldOfTheirOwnWrittenOnlyWhenThereAreSome() {
        String base = "{\"hidden_size\": 16, \"intermediate_size\": 56, \"num_attention_heads\": 4,"
                + " \"num_hidden_layers\": 4, \"vocab_size\": 29";
        LlamaConfig plain = LlamaConfig.fromJson(base + "}", "cfg.json");
        assertEquals(List.of(), plain.exitLayers());
        assertTrue(!plain.toJson().has("exit_layers"), plain.toJsonString());
        LlamaConfig exits = LlamaConfig.fromJson(base + ", \"exit_layers\": [0, 2]}", "cfg.json");
        assertEquals(List.of(0, 2), exits.exitLayers());
        assertEquals(List.of(0, 2), JSON.convertValue(exits.toJson().get("exit_layers"), List.class));
        assertEquals(1, exits.toJson().findValues("exit_layers").size());
        assertEquals(exits, LlamaConfig.fromJson(exits.toJsonString(), "again"));
        assertEquals(plain, exits.toBuilder().optExitLayers(List.of()).build());

        assertMessage(base + ", \"exit_layers\": [3]}", "every layer but the last");
        assertMessage(base + ", \"exit_layers\": [-1]}", "0..2");
        assertMessage(base + ", \"exit_layers\": [1, 1]}", "strictly increasing");
        assertMessage(base + ", \"exit_layers\": [2, 0]}", "strictly increasing");
        assertMessage(base + ", \"exit_layers\": 1}", "field 'exit_layers' must be a list of integers");
    }

    private static void assertMessage(String json, String expected) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> LlamaConfig.fromJson(json, "cfg.json"));
        assertTrue(e.getMessage().startsWith("cfg.json") && e.getMessage().contains(expected), e.getMessage());
    }
}
