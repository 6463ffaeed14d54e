package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.Cancellation;
import dev.topiary.LanguageModel;
import dev.topiary.Lineage;
import dev.topiary.Step;
import dev.topiary.data.BpeModel;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.distill.DistillationObjective;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process exactly as {@code main} runs it. */
class TopiaryCommandTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("model");
        CommandRun init = CommandRun.run("init", "--preset", "tiny", "--layers", "2", "--hidden", "32", "--ffn", "112",
                "--vocab", "258", "--seed", "3", "--output", model.toString());
        assertEquals(0, init.code(), init.err());
        // No merges: ids 0..255 are bytes, 256 begins and 257 ends a text.
        BpeModel.bytesOnly().write(model.resolve("tokenizer.json"));
    }

    @Test
    void exportWritesAGgufThatLlamaCppRunsWithTheModelsLogits() {
        Path gguf = dir.resolve("model.gguf");
        CommandRun export = CommandRun.run("export", "--model", model.toString(), "--type", "f32", "--output",
                gguf.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().startsWith("wrote " + gguf + ": f32, "), export.out());
        int[] ids = {256, 72, 101, 108, 108, 111};
        try (LanguageModel topiary = LanguageModel.load(model, "cpu"); LlamaCppModel llamaCpp = LlamaCppModel.load(
                gguf, 64)) {
            float[][] expected = topiary.logits(ids);
            float[][] actual = llamaCpp.logits(ids);
            for (int t = 0; t < ids.length; t++) {
                for (int v = 0; v < expected[t].length; v++) {
                    assertEquals(expected[t][v], actual[t][v], 1e-4 * Math.max(1, Math.abs(expected[t][v])));
                }
            }
        }
        // The file is Topiary's own now: a second export replaces it without --force.
        CommandRun again = CommandRun.run("export", "--model", model.toString(), "--type", "q8_0", "--output",
                gguf.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains(": q8_0, "), again.out());
    }

    @Test
    void initWithAVocabularyPutsBeginAndEndAtItsLastIds() throws IOException {
        assertEquals(256, LlamaConfig.read(model).bosTokenId());
        assertEquals(List.of(257), LlamaConfig.read(model).eosTokenIds());
        Path small = dir.resolve("vocab300");
        CommandRun r = CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "16", "--ffn", "56",
                "--vocab", "300", "--output", small.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode config = new ObjectMapper().readTree(small.resolve("config.json").toFile());
        assertEquals(300, config.get("vocab_size").asInt());
        assertEquals(298, config.get("bos_token_id").asInt());
        assertEquals(299, config.get("eos_token_id").asInt());
        assertError(CommandRun.run("init", "--preset", "llama-3.1-8b", "--vocab", "100", "--output",
                dir.resolve("bad").toString()), "vocab_size 100 is too small: bos_token_id 128000 sits 256 ids from"
                + " the end of a vocabulary of 128256");
    }

    @Test
    void logitsPrintsOneJsonObjectWithEveryPosition() throws IOException {
        CommandRun r = CommandRun.run("logits", "--model", model.toString(), "--ids", "256,72,105");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().strip().lines().count());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("[3,258]", json.get("shape").toString());
        try (Llama llama = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            float[][] expected = llama.logits(new int[] {256, 72, 105});
            for (int t = 0; t < 3; t++) {
                float[] row = new float[258];
                for (int v = 0; v < 258; v++) {
                    row[v] = json.get("logits").get(t).get(v).floatValue();
                }
                assertArrayEquals(expected[t], row);
            }
        }
    }

    @Test
    void generatePrintsTheDecodedContinuation() {
        CommandRun r = CommandRun.run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-tokens", "5");
        assertEquals(0, r.code(), r.err());
        try (Tokenizer tokenizer = Tokenizer.load(model);
                Llama llama = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            int[] continuation = Generator.generate(llama, tokenizer.encode("Hi"), GenerationOptions.greedy(5));
            assertEquals(tokenizer.decode(continuation) + System.lineSeparator(), r.out());
        }
    }

    @Test
    void evalPrintsLossAndPerplexityForTextAndForPreparedDatasets() throws IOException {
        Path text = dir.resolve("speeches.jsonl");
        Files.writeString(text, "{\"text\": \"We hold these truths to be self-evident.\"}\n"
                + "{\"text\": \"The state of the Union is strong, and growing stronger.\"}\n");
        CommandRun fromText = CommandRun.run("eval", "--model", model.toString(), "--data", text.toString(), "--seq-len", "16");
        assertEquals(0, fromText.code(), fromText.err());
        Path prefix = dir.resolve("speeches");
        assertEquals(0, CommandRun.run("prepare-data", "--input", text.toString(), "--tokenizer", model.toString(),
                "--output-prefix", prefix.toString()).code());
        CommandRun fromDataset = CommandRun.run("eval", "--model", model.toString(), "--data", prefix.toString(), "--seq-len", "16");
        assertEquals(fromText.out(), fromDataset.out());
        JsonNode json = new ObjectMapper().readTree(fromDataset.out());
        try (Llama llama = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32);
                IndexedDataset data = IndexedDataset.open(prefix)) {
            LanguageModelMetrics expected = LanguageModelEvaluation.evaluate(llama, data, 16, 4, 0, Cancellation.none());
            assertEquals(expected.loss(), json.get("loss").asDouble(), 1e-9);
            assertEquals(expected.perplexity(), json.get("perplexity").asDouble(), 1e-9);
            assertEquals(expected.tokens(), json.get("tokens").asLong());
            // Two documents of byte tokens plus BOS and EOD each: windows of 16 cover all but the remainder.
            assertEquals((data.totalTokens() - 1) / 16 * 16, expected.tokens());
        }
        assertError(CommandRun.run("eval", "--model", model.toString(), "--data", dir.resolve("nothing").toString()), "nothing");
    }

    @Test
    void evalOnADatasetShorterThanOneSequenceSaysSoOnStandardError() throws IOException {
        Path text = dir.resolve("short.jsonl");
        Files.writeString(text, "{\"text\": \"Hi there\"}\n");
        CommandRun full = CommandRun.run("eval", "--model", model.toString(), "--data", text.toString(), "--seq-len", "4");
        assertEquals(0, full.code(), full.err());
        assertEquals("", full.err(), "whole windows: nothing to say");

        CommandRun r = CommandRun.run("eval", "--model", model.toString(), "--data", text.toString());
        assertEquals(0, r.code(), r.err());
        long predicted = new ObjectMapper().readTree(r.out()).get("tokens").asLong();
        // BOS, the 8 bytes of the text and the end-of-document token: all but the first are predicted.
        assertEquals(9, predicted);
        assertEquals("topiary eval: warning: the dataset holds 10 tokens, fewer than one sequence of 256+1; evaluated"
                + " one sequence of 9 predicted tokens" + System.lineSeparator(), r.err());

        CommandRun longer = CommandRun.run("eval", "--model", model.toString(), "--data", text.toString(),
                "--seq-len", "4096");
        assertEquals(0, longer.code(), longer.err());
        assertEquals(List.of("topiary eval: warning: --seq-len 4096 exceeds the model's max_position_embeddings (2048);"
                + " evaluating windows of 2048", "topiary eval: warning: the dataset holds 10 tokens, fewer than one"
                + " sequence of 2048+1; evaluated one sequence of 9 predicted tokens"), longer.err().lines().toList());
    }

    @Test
    void generateStoppedByMaxPositionEmbeddingsSaysSoOnStandardError() throws IOException {
        Path limited = dir.resolve("limited");
        Files.createDirectories(limited);
        for (String file : List.of("model.safetensors", "tokenizer.json")) {
            Files.copy(model.resolve(file), limited.resolve(file));
        }
        Files.writeString(limited.resolve("config.json"), Files.readString(model.resolve("config.json"))
                .replace("\"max_position_embeddings\" : 2048", "\"max_position_embeddings\" : 8"));
        assertEquals(8, LlamaConfig.read(limited).maxPositionEmbeddings());
        CommandRun r = CommandRun.run("generate", "--model", limited.toString(), "--prompt", "Hi", "--max-tokens", "20");
        assertEquals(0, r.code(), r.err());
        try (Tokenizer tokenizer = Tokenizer.load(limited);
                Llama llama = LlamaCheckpoint.load(limited, Device.cpu(), DataType.FLOAT32)) {
            int[] prompt = tokenizer.encode("Hi");
            int[] continuation = Generator.generate(llama, prompt, GenerationOptions.greedy(20));
            assertEquals(8 - prompt.length, continuation.length, "the premise: no end token before the limit");
            assertEquals(tokenizer.decode(continuation) + System.lineSeparator(), r.out());
            assertEquals("topiary generate: warning: generation stopped at max_position_embeddings (8) after "
                    + continuation.length + " tokens, of the 20 asked for (the prompt holds " + prompt.length + ")"
                    + System.lineSeparator(), r.err());
        }
    }

    @Test
    void generateShowsIdsTheTokenizerLacksAndWarnsOnce() throws IOException {
        Path wide = dir.resolve("wide");
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "1", "--hidden", "16", "--ffn", "56",
                "--vocab", "1024", "--seed", "1", "--output", wide.toString()).code());
        BpeModel.bytesOnly().write(wide.resolve("tokenizer.json"));
        // Sampled from near-uniform logits, most ids lie beyond the tokenizer's 258.
        CommandRun r = CommandRun.run("generate", "--model", wide.toString(), "--prompt", "Hi", "--max-tokens", "30",
                "--temperature", "1");
        assertEquals(0, r.code(), r.err());
        try (Tokenizer tokenizer = Tokenizer.load(wide);
                Llama llama = LlamaCheckpoint.load(wide, Device.cpu(), DataType.FLOAT32)) {
            int[] continuation = Generator.generate(llama, tokenizer.encode("Hi"),
                    GenerationOptions.sampled(30, 1, 1, 0));
            List<Integer> unknown = java.util.Arrays.stream(continuation).filter(id -> id >= 258).boxed().toList();
            assertTrue(!unknown.isEmpty(), "the premise: the model emits ids past the tokenizer's 258");
            assertEquals(tokenizer.decode(continuation) + System.lineSeparator(), r.out());
            assertTrue(r.out().contains("<unk:" + unknown.get(0) + ">"), r.out());
            assertEquals("topiary generate: warning: the model generated " + unknown.size() + " id"
                    + (unknown.size() == 1 ? "" : "s") + " (first " + unknown.get(0) + ") that "
                    + wide.resolve("tokenizer.json") + " cannot decode: it holds 258 ids, the model's vocabulary 1024;"
                    + " shown as <unk:ID>" + System.lineSeparator(), r.err());
        }
    }

    @Test
    void distillWritesAStudentThatMovedTowardsTheTeacher() throws IOException {
        Path teacher = dir.resolve("teacher");
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "2", "--hidden", "64", "--ffn", "224",
                "--vocab", "258", "--seed", "9", "--output", teacher.toString()).code());
        Path text = dir.resolve("distill.jsonl");
        Files.writeString(text, "{\"text\": \"" + "Four score and seven years ago our fathers brought forth. ".repeat(20)
                + "\"}\n");
        Path out = dir.resolve("distilled");
        CommandRun r = CommandRun.run("distill", "--student", model.toString(), "--teacher", teacher.toString(),
                "--data", text.toString(), "--tokens", "4096", "--seq-len", "32", "--batch-size", "4", "--lr", "3e-3",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("distill: 32/32 steps"), r.err());
        assertTrue(Files.isRegularFile(out.resolve("recipe.json")));
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        try (Llama before = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32);
                Llama after = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32);
                Llama t = LlamaCheckpoint.load(teacher, Device.cpu(), DataType.FLOAT32);
                NDManager m = after.manager().newSubManager()) {
            assertEquals(before.config().toJson().without("torch_dtype"), after.config().toJson().without("torch_dtype"));
            int[] ids = new int[32];
            for (int i = 0; i < 32; i++) {
                ids[i] = "Four score and seven years ago o".charAt(i);
            }
            NDArray input = m.create(ids, new Shape(1, 32));
            double klBefore = DistillationObjective.klDivergence(t.forward(input),
                    before.forward(input), 1).getFloat();
            double klAfter = DistillationObjective.klDivergence(t.forward(input),
                    after.forward(input), 1).getFloat();
            assertTrue(klAfter < klBefore, klBefore + " -> " + klAfter);
        }
        assertError(CommandRun.run("distill", "--student", model.toString(), "--teacher", teacher.toString(),
                "--data", text.toString(), "--tokens", "10", "--output", out.toString()), "less than one batch");
    }

    @Test
    void exitsAddsTrainedRampsAndLeavesTheTrunkAsItWas() throws IOException {
        Path text = dir.resolve("exits.jsonl");
        Files.writeString(text, "{\"text\": \"" + "Four score and seven years ago our fathers brought forth. ".repeat(20)
                + "\"}\n");
        Path out = dir.resolve("exits");
        CommandRun r = CommandRun.run("exits", "--model", model.toString(), "--data", text.toString(), "--tokens",
                "1024", "--seq-len", "32", "--batch-size", "4", "--lr", "3e-3", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("exit: ramps: 8/8 steps"), r.err());
        assertTrue(Files.isRegularFile(out.resolve("recipe.json")));
        try (Llama before = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32);
                Llama after = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(List.of(0), after.config().exitLayers());
            before.parameters().forEach((name, p) -> org.junit.jupiter.api.Assertions.assertArrayEquals(
                    p.toFloatArray(), after.parameters().get(name).toFloatArray(), name));
        }
        assertError(CommandRun.run("exits", "--model", model.toString(), "--layers", "1", "--data", text.toString(),
                "--tokens", "1024", "--seq-len", "32", "--batch-size", "4", "--output", dir.resolve("bad").toString()),
                "every layer but the last");
    }

    @Test
    void replaceWritesASuccessorWithOneLayerPerModuleAndItsRecipe() throws IOException {
        Path text = dir.resolve("replace.jsonl");
        Files.writeString(text, "{\"text\": \"" + "Ask not what your country can do for you. ".repeat(20) + "\"}\n");
        Path out = dir.resolve("successor");
        CommandRun r = CommandRun.run("replace", "--model", model.toString(), "--data", text.toString(), "--steps",
                "4", "--fine-tuning-steps", "2", "--seq-len", "32", "--batch-size", "2", "--lr", "3e-3",
                "--replacement-seed", "5", "--distill", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("replace: 4/4 steps"), r.err());
        assertTrue(r.err().contains("replace: fine-tuning: 2/2 steps"), r.err());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        try (Llama before = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32);
                Llama after = LlamaCheckpoint.load(out, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(before.config().toBuilder().setNumHiddenLayers(1).build().toJson().without("torch_dtype"),
                    after.config().toJson().without("torch_dtype"));
        }
        JsonNode step = new ObjectMapper().readTree(out.resolve("recipe.json").toFile()).path("steps").get(0);
        assertEquals("replace", step.path("verb").asText());
        assertEquals(5, step.path("replacing").path("replacement_seed").asLong());
        assertEquals(2, step.path("replacing").path("layers_per_module").asInt());
        assertEquals("predecessor_kl", step.path("replacing").path("loss").asText());
        assertError(CommandRun.run("replace", "--model", model.toString(), "--data", text.toString(),
                "--layers-per-module", "3", "--output", dir.resolve("never").toString()), "3 does not divide 2");
    }

    @Test
    void pruneNarrowsOrShortensByImportanceAndWritesARunnableCheckpoint() throws IOException {
        Path wide = dir.resolve("wide");
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "3", "--hidden", "64", "--ffn", "224",
                "--vocab", "258", "--seed", "4", "--output", wide.toString()).code());
        Path text = dir.resolve("calibration.jsonl");
        Files.writeString(text, "{\"text\": \"" + "We the People of the United States, in Order to form. ".repeat(30)
                + "\"}\n");
        Path narrow = dir.resolve("narrow");
        CommandRun width = CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(),
                "--tokenizer", model.toString(), "--hidden", "48", "--ffn", "112", "--heads", "4", "--samples", "8",
                "--seq-len", "32", "--output", narrow.toString());
        assertEquals(0, width.code(), width.err());
        Path shallow = dir.resolve("shallow");
        CommandRun depth = CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(),
                "--tokenizer", model.toString(), "--layers", "2", "--samples", "8", "--seq-len", "32",
                "--output", shallow.toString());
        assertEquals(0, depth.code(), depth.err());
        Path both = dir.resolve("both");
        CommandRun combined = CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(),
                "--tokenizer", model.toString(), "--layers", "2", "--hidden", "48", "--samples", "8", "--seq-len",
                "32", "--output", both.toString());
        assertEquals(0, combined.code(), combined.err());
        Lineage recipe = Lineage.read(both.resolve("recipe.json"));
        assertEquals(List.of("prune.layers", "prune.width"), recipe.steps().stream().map(Step::name).toList());
        try (Llama n = LlamaCheckpoint.load(narrow, Device.cpu(), DataType.FLOAT32);
                Llama d = LlamaCheckpoint.load(shallow, Device.cpu(), DataType.FLOAT32)) {
            assertEquals(48, n.config().hiddenSize());
            assertEquals(112, n.config().intermediateSize());
            assertEquals(4, n.config().numAttentionHeads());
            assertEquals(32, n.config().headDim());
            assertEquals(2, d.config().numHiddenLayers());
            assertEquals(List.of(2, 48), List.of(LlamaConfig.read(both).numHiddenLayers(),
                    LlamaConfig.read(both).hiddenSize()));
            assertEquals(258, n.logits(new int[] {256, 87, 101})[2].length);
            assertTrue(width.out().contains(String.format("-> %,d parameters", n.parameterCount())), width.out());
        }
        assertError(CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(), "--tokenizer",
                model.toString(), "--heads", "3", "--output", narrow.toString()), "is not a multiple of the 2 KV heads");
        assertError(CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(), "--tokenizer",
                model.toString(), "--hidden", "128", "--output", narrow.toString()), "pruning cannot grow a model");
        assertError(CommandRun.run("prune", "--model", wide.toString(), "--data", text.toString(),
                "--hidden", "32", "--output", narrow.toString()), "tokenizer");
    }

    @Test
    void quantizeWithSmoothQuantAndInt8ActivationsWritesAW8a8ModelTheOtherCommandsRun() throws IOException {
        Path text = dir.resolve("w8a8.jsonl");
        Files.writeString(text, "{\"text\": \"" + "Government of the people, by the people. ".repeat(30) + "\"}\n");
        Path w8a8 = dir.resolve("w8a8");
        CommandRun run = CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8",
                "--activations", "int8", "--smooth", "0.5", "--data", text.toString(), "--samples", "4", "--seq-len",
                "32", "--output", w8a8.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.out().contains("INT8 activations (per token)"), run.out());
        JsonNode config = new ObjectMapper().readTree(Files.readString(w8a8.resolve("config.json")));
        assertEquals("int8", config.path("quantization_config").path("activations").asText());
        String recipe = Files.readString(w8a8.resolve("recipe.json"));
        assertTrue(recipe.contains("\"verb\" : \"smooth\"") && recipe.contains("\"alpha\" : 0.5")
                && recipe.contains("\"activations\" : \"int8\""), recipe);
        CommandRun logits = CommandRun.run("logits", "--model", w8a8.toString(), "--ids", "256,73,116");
        assertEquals(0, logits.code(), logits.err());
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--smooth", "0.5",
                "--data", text.toString(), "--output", dir.resolve("bad").toString()), "add --activations int8");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--activations",
                "int8", "--smooth", "0.5", "--output", dir.resolve("bad").toString()), "--smooth needs calibration");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--activations",
                "int8", "--smooth", "2", "--data", text.toString(), "--output", dir.resolve("bad").toString()),
                "alpha must be in [0, 1]");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--activations",
                "int4", "--output", dir.resolve("bad").toString()), "unknown activation scheme 'int4'");
        assertFalse(Files.exists(dir.resolve("bad")));
    }

    @Test
    void shareWritesOneCopyOfEachBlockThatLoadsToTheSameLogitsAsLayersHoldingCopies() throws IOException {
        Path deep = dir.resolve("deep");
        assertEquals(0, CommandRun.run("init", "--preset", "tiny", "--layers", "4", "--hidden", "32", "--ffn", "112",
                "--vocab", "258", "--seed", "6", "--output", deep.toString()).code());
        BpeModel.bytesOnly().write(deep.resolve("tokenizer.json"));
        Path shared = dir.resolve("shared");
        CommandRun r = CommandRun.run("share", "--model", deep.toString(), "--blocks", "2", "--pattern", "adjacent",
                "--output", shared.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("shared 4 layers among 2 blocks (adjacent)"), r.out());
        assertEquals(List.of(0, 0, 1, 1), LlamaConfig.read(shared).layerBlocks());
        Lineage recipe = Lineage.read(shared.resolve("recipe.json"));
        assertEquals(List.of("share"), recipe.steps().stream().map(Step::name).toList());
        try (Llama original = LlamaCheckpoint.load(deep, Device.cpu(), DataType.FLOAT32);
                Llama loaded = LlamaCheckpoint.load(shared, Device.cpu(), DataType.FLOAT32);
                dev.topiary.io.SafetensorsReader file = dev.topiary.io.SafetensorsReader.open(
                        shared.resolve("model.safetensors"))) {
            assertFalse(file.tensors().containsKey("model.layers.1.self_attn.q_proj.weight"));
            assertTrue(file.tensors().containsKey("model.layers.2.self_attn.q_proj.weight"));
            assertTrue(r.out().contains(String.format("-> %,d unique parameters", loaded.parameterCount())), r.out());
            // layers 0 and 1 compute with layer 0's weights, 2 and 3 with layer 2's: the original with those copies
            java.util.Map<String, NDArray> copies = new java.util.LinkedHashMap<>();
            original.parameters().forEach((name, p) -> {
                String source = name.replace("model.layers.1.", "model.layers.0.")
                        .replace("model.layers.3.", "model.layers.2.");
                copies.put(name, original.parameters().get(source).duplicate());
            });
            try (Llama byHand = Llama.fromParameters(original.config(), copies, "copies")) {
                int[] ids = {256, 87, 101, 40};
                float[][] expected = byHand.logits(ids);
                float[][] actual = loaded.logits(ids);
                for (int t = 0; t < ids.length; t++) {
                    assertArrayEquals(expected[t], actual[t], 0f);
                }
            }
        }
        CommandRun export = CommandRun.run("export", "--model", shared.toString(), "--type", "f32", "--output",
                dir.resolve("shared.gguf").toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().contains("the model's layers share 2 blocks; llama.cpp has no sharing, so each block"
                + " is written once for every layer that uses it"), export.out());
        assertError(CommandRun.run("share", "--model", deep.toString(), "--blocks", "3", "--pattern", "adjacent",
                "--output", dir.resolve("odd").toString()), "multiple of the blocks (3)");
        assertError(CommandRun.run("share", "--model", deep.toString(), "--blocks", "2", "--pattern", "pairs",
                "--output", dir.resolve("odd").toString()), "expected one of cycle, adjacent");
        Path text = Files.writeString(dir.resolve("share.jsonl"), "{\"text\": \"" + "To be shared. ".repeat(30)
                + "\"}\n");
        assertError(CommandRun.run("prune", "--model", shared.toString(), "--drop", "1", "--data", text.toString(),
                "--tokenizer", model.toString(), "--output", dir.resolve("odd").toString()),
                "are sharing 2 blocks [0, 0, 1, 1]");
    }

    @Test
    void quantizeWritesPackedModelsThatTheOtherCommandsRun() throws IOException {
        Path text = dir.resolve("quantize.jsonl");
        Files.writeString(text, "{\"text\": \"" + "It is rather for us to be here dedicated. ".repeat(30) + "\"}\n");
        Path int8 = dir.resolve("int8");
        CommandRun rtn = CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8",
                "--output", int8.toString());
        assertEquals(0, rtn.code(), rtn.err());
        Path int4 = dir.resolve("int4");
        CommandRun gptq = CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT4",
                "--group-size", "16", "--method", "gptq", "--data", text.toString(), "--samples", "4", "--seq-len",
                "32", "--act-order", "--output", int4.toString());
        assertEquals(0, gptq.code(), gptq.err());
        assertTrue(Files.isRegularFile(int4.resolve("tokenizer.json")));
        assertTrue(Files.readString(int4.resolve("recipe.json")).contains("\"act_order\" : true"),
                Files.readString(int4.resolve("recipe.json")));
        CommandRun wrong = CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8",
                "--act-order", "--output", dir.resolve("never").toString());
        assertEquals(1, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("--act-order is an option of --method gptq"), wrong.err());
        assertFalse(Files.exists(dir.resolve("never")));
        int[] ids = {256, 73, 116};
        try (Llama original = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            float[] expected = original.logits(ids)[2];
            for (Path quantized : new Path[] {int8, int4}) {
                CommandRun logits = CommandRun.run("logits", "--model", quantized.toString(), "--ids", "256,73,116");
                assertEquals(0, logits.code(), logits.err());
                JsonNode row = new ObjectMapper().readTree(logits.out()).get("logits").get(2);
                double error = 0;
                double norm = 0;
                for (int v = 0; v < expected.length; v++) {
                    error += Math.pow(row.get(v).doubleValue() - expected[v], 2);
                    norm += Math.pow(expected[v], 2);
                }
                assertTrue(Math.sqrt(error / norm) < 0.3, quantized + ": relative logit error " + Math.sqrt(error / norm));
            }
        }
        assertEquals(0, CommandRun.run("generate", "--model", int8.toString(), "--prompt", "It", "--max-tokens", "3")
                .code());
        assertError(CommandRun.run("quantize", "--model", int8.toString(), "--precision", "INT8", "--output",
                dir.resolve("twice").toString()), "holds a quantized checkpoint");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT4", "--group-size",
                "7", "--output", dir.resolve("bad").toString()), "group");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT2", "--output",
                dir.resolve("bad").toString()), "INT8, INT6, INT4 or FP8");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--output", dir.resolve("bad").toString()),
                "give exactly one of --precision");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--scheme", "int8", "--output",
                dir.resolve("bad").toString()), "is not a GGUF grid");
        // FFN 112 is not a whole number of q4_k's 256-weight super-blocks.
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--scheme", "q4_k", "--output",
                dir.resolve("bad").toString()), "groups of 256 must divide every linear layer's input size");
        assertError(CommandRun.run("quantize", "--model", model.toString(), "--precision", "INT8", "--method",
                "gptq", "--output", dir.resolve("bad").toString()), "needs calibration --data");
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws IOException {
        assertError(CommandRun.run("logits", "--model", model.toString(), "--ids", "1,258"), "token id 258 is outside the vocabulary");
        assertError(CommandRun.run("logits", "--model", model.toString(), "--ids", "1,,2"), "--ids must be comma-separated");
        assertError(CommandRun.run("logits", "--model", dir.resolve("absent").toString(), "--ids", "1"),
                "model directory not found");
        assertError(CommandRun.run("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "2"), "topP must be in (0, 1]");
        Path noTokenizer = dir.resolve("bare");
        Files.createDirectories(noTokenizer);
        Files.copy(model.resolve("config.json"), noTokenizer.resolve("config.json"));
        assertError(CommandRun.run("generate", "--model", noTokenizer.toString(), "--prompt", "x"), "tokenizer file not found");
        assertError(CommandRun.run("logits", "--model", noTokenizer.toString(), "--ids", "1"), "model.safetensors");
        CommandRun usage = CommandRun.run("logits", "--ids", "1");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option: '--model=DIR'"), usage.err());
    }

    private static void assertError(CommandRun r, String expected) {
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(": error: ") && r.err().contains(expected), r.err());
    }
}
