package dev.topiary.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.data.BpeModel;
import dev.topiary.data.IndexedDataset;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code topiary prepare-data}, run in-process exactly as {@code main} runs it. */
class PrepareDataCommandTest {

    private static final int BOS = 256;
    private static final int EOD = 257;

    @TempDir
    static Path dir;
    static Path tokenizer;

    @BeforeAll
    static void writeTokenizer() throws IOException {
        // No merges: ids 0..255 are bytes, so expected ids are the text's UTF-8 bytes.
        tokenizer = BpeModel.bytesOnly().write(dir.resolve("tokenizer.json"));
    }

    @Test
    void jsonlBecomesOneSequencePerDocumentEndingWithEod() throws IOException {
        Path input = dir.resolve("corpus.jsonl");
        Files.writeString(input, "{\"text\":\"Hi\"}\n{\"text\":\"Grüße\",\"year\":1790}\n{\"text\":\"a\\nb\"}\n",
                StandardCharsets.UTF_8);
        Path prefix = dir.resolve("out/corpus");
        CommandRun r = CommandRun.run("prepare-data", "--input", input.toString(), "--tokenizer", tokenizer.toString(),
                "--output-prefix", prefix.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals("prepared 3 documents, 18 uint16 tokens: " + prefix + ".idx, " + prefix + ".bin"
                + System.lineSeparator(), r.out());
        try (IndexedDataset data = IndexedDataset.open(prefix)) {
            assertEquals(3, data.documentCount());
            assertEquals(3, data.sequenceCount());
            assertEquals(8, data.dtypeCode());
            assertArrayEquals(ids("Hi"), data.sequence(0));
            assertArrayEquals(ids("Grüße"), data.sequence(1));
            assertArrayEquals(ids("a\nb"), data.sequence(2));
            assertArrayEquals(new int[] {0, 1, 2, 3}, data.documentIndex());
        }
    }

    @Test
    void txtIsOneDocument() throws IOException {
        Path input = dir.resolve("speech.txt");
        Files.writeString(input, "Fellow citizens,\nwe meet.\n", StandardCharsets.UTF_8);
        Path prefix = dir.resolve("speech");
        CommandRun r = CommandRun.run("prepare-data", "--input", input.toString(), "--tokenizer", dir.toString(),
                "--output-prefix", prefix.toString());
        assertEquals(0, r.code(), r.err());
        try (IndexedDataset data = IndexedDataset.open(prefix)) {
            assertEquals(1, data.documentCount());
            assertArrayEquals(ids("Fellow citizens,\nwe meet.\n"), data.sequence(0));
        }
    }

    /** BOS, the UTF-8 bytes of {@code text}, EOD. */
    private static int[] ids(String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        int[] out = new int[bytes.length + 2];
        out[0] = BOS;
        for (int k = 0; k < bytes.length; k++) {
            out[k + 1] = bytes[k] & 0xFF;
        }
        out[bytes.length + 1] = EOD;
        return out;
    }

    @Test
    void badInputExitsNonZeroWithOneLineAndWritesNothing() throws IOException {
        Path prefix = dir.resolve("bad/out");
        Path good = dir.resolve("good.jsonl");
        Files.writeString(good, "{\"text\":\"x\"}\n");
        Path absent = dir.resolve("absent.jsonl");
        assertError(CommandRun.run("prepare-data", "--input", absent.toString(), "--tokenizer", tokenizer.toString(),
                "--output-prefix", prefix.toString()), "input file not found: " + absent);
        assertError(CommandRun.run("prepare-data", "--input", good.toString(), "--tokenizer", dir.resolve("none.json").toString(),
                "--output-prefix", prefix.toString()), "tokenizer file not found");
        Path empty = dir.resolve("empty.jsonl");
        Files.writeString(empty, "");
        assertError(CommandRun.run("prepare-data", "--input", empty.toString(), "--tokenizer", tokenizer.toString(),
                "--output-prefix", prefix.toString()), "empty.jsonl holds no text");
        assertError(CommandRun.run("prepare-data", "--input", good.toString(), "--tokenizer", tokenizer.toString(),
                "--output-prefix", prefix.toString(), "--eod-token", "<|eot_id|>"), "has no token '<|eot_id|>'");
        assertFalse(Files.exists(Path.of(prefix + ".idx")) || Files.exists(Path.of(prefix + ".bin")));
        if (Files.isDirectory(prefix.getParent())) {
            try (var files = Files.list(prefix.getParent())) {
                assertEquals(0, files.count(), "no temporary files left");
            }
        }
        CommandRun usage = CommandRun.run("prepare-data", "--input", good.toString());
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("Missing required options"), usage.err());
    }

    private static void assertError(CommandRun r, String expected) {
        assertEquals(1, r.code(), r.out());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("prepare-data: error: ") && r.err().contains(expected), r.err());
    }
}
