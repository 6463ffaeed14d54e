package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.data.ByteLevelAlphabet;
import dev.topiary.data.Tokenizer;
import dev.topiary.data.TokenizerJson;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line, run in-process exactly as {@code main} runs it. */
class TopiaryCommandTest {

    @TempDir
    static Path dir;
    static Path model;

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = TopiaryCommand.run(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void writeModel() throws IOException {
        model = dir.resolve("model");
        Result init = run("init", "--preset", "tiny", "--layers", "2", "--hidden", "32", "--ffn", "112",
                "--vocab", "258", "--seed", "3", "--output", model.toString());
        assertEquals(0, init.code(), init.err());
        // A byte-level tokenizer: ids 0..255 are bytes, 256 begins and 257 ends a text.
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put("<|begin_of_text|>", 256);
        special.put("<|end_of_text|>", 257);
        TokenizerJson.write(model.resolve("tokenizer.json"), vocab, List.of(), special, "<|begin_of_text|>");
    }

    @Test
    void logitsPrintsOneJsonObjectWithEveryPosition() throws IOException {
        Result r = run("logits", "--model", model.toString(), "--ids", "256,72,105");
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
        Result r = run("generate", "--model", model.toString(), "--prompt", "Hi", "--max-tokens", "5");
        assertEquals(0, r.code(), r.err());
        try (Tokenizer tokenizer = Tokenizer.load(model);
                Llama llama = LlamaCheckpoint.load(model, Device.cpu(), DataType.FLOAT32)) {
            int[] continuation = Generator.generate(llama, tokenizer.encode("Hi"), GenerationOptions.greedy(5));
            assertEquals(tokenizer.decode(continuation) + System.lineSeparator(), r.out());
        }
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws IOException {
        assertError(run("logits", "--model", model.toString(), "--ids", "1,258"), "token id 258 is outside the vocabulary");
        assertError(run("logits", "--model", model.toString(), "--ids", "1,,2"), "--ids must be comma-separated");
        assertError(run("logits", "--model", dir.resolve("absent").toString(), "--ids", "1"),
                "model directory not found");
        assertError(run("generate", "--model", model.toString(), "--prompt", "x", "--top-p", "2"), "topP must be in (0, 1]");
        Path noTokenizer = dir.resolve("bare");
        Files.createDirectories(noTokenizer);
        Files.copy(model.resolve("config.json"), noTokenizer.resolve("config.json"));
        assertError(run("generate", "--model", noTokenizer.toString(), "--prompt", "x"), "tokenizer file not found");
        assertError(run("logits", "--model", noTokenizer.toString(), "--ids", "1"), "model.safetensors");
        Result usage = run("logits", "--ids", "1");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option: '--model=DIR'"), usage.err());
    }

    private static void assertError(Result r, String expected) {
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(": error: ") && r.err().contains(expected), r.err());
    }
}
