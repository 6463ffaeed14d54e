package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.Tokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topiary tokenizer train}, run in-process exactly as {@code main} runs it. */
class TokenizerCommandTest {

    @TempDir
    Path dir;

    @Test
    void trainsOnJsonlAndWritesALoadableTokenizer() throws IOException {
        StringBuilder jsonl = new StringBuilder();
        for (int i = 0; i < 50; i++) {
            jsonl.append("{\"text\": \"The state of the union is strong, year ").append(1790 + i)
                    .append(". Grüße \\u6771\\u4eac\", \"id\": ").append(i).append("}\n");
        }
        Path input = Files.writeString(dir.resolve("docs.jsonl"), jsonl);
        Path output = dir.resolve("new/dir/tokenizer.json");
        CommandRun r = CommandRun.run("tokenizer", "train", "--input", input.toString(), "--vocab-size", "300",
                "--output", output.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("trained 300 tokens (42 merges) on 50 documents, 2,"), r.out());
        assertTrue(r.out().strip().endsWith(output.toString()), r.out());
        try (Tokenizer tokenizer = Tokenizer.load(output)) {
            String text = "The state of the union, 東京 \uD83C\uDF33\n";
            int[] ids = tokenizer.encode(text);
            assertEquals(298, ids[0], "<|begin_of_text|> is the second-to-last id");
            assertEquals(text, tokenizer.decode(ids));
        }
    }

    @Test
    void trainsOnATextFileIntoADirectory() throws IOException {
        Path input = Files.writeString(dir.resolve("speech.txt"), "we the people, we the people\nin order to form\n");
        CommandRun r = CommandRun.run("tokenizer", "train", "--input", input.toString(), "--vocab-size", "1000",
                "--output", dir.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("on 1 document, 46 bytes"), r.out());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            // Every word of the text became a token: "we", " the", " people".
            assertEquals(3, tokenizer.encodeWithoutSpecialTokens("we the people").length);
        }
    }

    @Test
    void badInputExitsNonZeroWithOneLine() throws IOException {
        Path out = dir.resolve("tokenizer.json");
        Path badJson = Files.writeString(dir.resolve("bad.jsonl"), "{\"text\": \"ok\"}\n{\"text\": oops}\n");
        assertError(train(badJson, "300", out), "topiary tokenizer train: error: " + badJson + " line 2: invalid JSON");
        Path noText = Files.writeString(dir.resolve("notext.jsonl"), "{\"text\": \"ok\"}\n{\"body\": \"x\"}\n");
        assertError(train(noText, "300", out), noText + " line 2: expected a JSON object with a string field \"text\"");
        byte[] latin1Bytes = "ok\nGr\u00fc\u00dfe\n".getBytes(StandardCharsets.ISO_8859_1);
        Path latin1 = Files.write(dir.resolve("latin1.txt"), latin1Bytes);
        assertError(train(latin1, "300", out), latin1 + " line 2: not valid UTF-8");
        Path empty = Files.writeString(dir.resolve("empty.jsonl"), "");
        assertError(train(empty, "300", out), empty + " holds no text");
        Path good = Files.writeString(dir.resolve("good.txt"), "some text");
        assertError(train(good, "258", out), "vocabulary size must be more than 258");
        Path absent = dir.resolve("absent.jsonl");
        assertError(train(absent, "300", out), "input file not found: " + absent);
        assertEquals(false, Files.exists(out), "nothing written on error");

        CommandRun usage = CommandRun.run("tokenizer", "train", "--input", good.toString(), "--output", out.toString());
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required option: '--vocab-size=N'"), usage.err());
        CommandRun noSubcommand = CommandRun.run("tokenizer");
        assertEquals(2, noSubcommand.code());
        assertTrue(noSubcommand.err().contains("Missing required subcommand"), noSubcommand.err());
    }

    private static CommandRun train(Path input, String vocabSize, Path output) {
        return CommandRun.run("tokenizer", "train", "--input", input.toString(), "--vocab-size", vocabSize,
                "--output", output.toString());
    }

    private static void assertError(CommandRun r, String expected) {
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains(": error: ") && r.err().contains(expected), r.err());
    }
}
