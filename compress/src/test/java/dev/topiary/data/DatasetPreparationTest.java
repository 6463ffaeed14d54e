package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.Cancellation;
import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CancellationException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Text to indexed dataset: the tokenizer's own encoding of each document, then end-of-text, one sequence each. */
class DatasetPreparationTest {

    private static final int EOD = 261;

    @TempDir
    Path dir;

    @Test
    void tokenizerFindsSpecialTokensAndItsVocabularySize() throws IOException {
        try (Tokenizer tokenizer = Tokenizer.load(TokenizerTest.writeSmallTokenizer(dir))) {
            assertEquals(EOD, tokenizer.tokenId("<|end_of_text|>"));
            assertEquals(260, tokenizer.tokenId("<|begin_of_text|>"));
            assertEquals(262, tokenizer.vocabularySize());
            TopiaryException e = assertThrows(TopiaryException.class, () -> tokenizer.tokenId("<|eot_id|>"));
            assertTrue(e.getMessage().startsWith("tokenizer " + tokenizer.file() + " has no token '<|eot_id|>'"),
                    e.getMessage());
            // "hell" is in the vocabulary but not a token the text is encoded as whole: "hello" splits differently.
            assertThrows(TopiaryException.class, () -> tokenizer.tokenId("hello"));
        }
    }

    @Test
    void everyDocumentIsItsEncodingThenEndOfText() throws IOException {
        Path input = dir.resolve("docs.jsonl");
        String[] texts = {"hello world", "Grüße\nhell", "", "x"};
        StringBuilder jsonl = new StringBuilder();
        for (String t : texts) {
            jsonl.append("{\"text\":\"").append(t.replace("\n", "\\n")).append("\"}\n\n");
        }
        Files.writeString(input, jsonl, StandardCharsets.UTF_8);
        Path prefix = dir.resolve("data/docs");
        try (Tokenizer tokenizer = Tokenizer.load(TokenizerTest.writeSmallTokenizer(dir))) {
            PreparationResult result = DatasetPreparation.prepare(input, tokenizer, prefix);
            assertEquals(prefix, result.prefix());
            assertEquals(4, result.documents());
            assertEquals(IndexedDatasetDType.UINT16, result.dtype());
            long tokens = 0;
            try (IndexedDataset data = IndexedDataset.open(result.idxFile())) {
                assertEquals(4, data.documentCount());
                assertEquals(4, data.sequenceCount());
                for (int d = 0; d < texts.length; d++) {
                    int[] ids = tokenizer.encode(texts[d]);
                    int[] expected = Arrays.copyOf(ids, ids.length + 1);
                    expected[ids.length] = EOD;
                    assertArrayEquals(expected, data.sequence(d), texts[d]);
                    assertEquals(d, data.documentStart(d));
                    tokens += expected.length;
                }
                assertEquals(tokens, data.totalTokens());
            }
            assertEquals(tokens, result.tokens());
        }
    }

    @Test
    void failuresWriteNothing() throws IOException {
        Path input = dir.resolve("one.txt");
        Files.writeString(input, "hello");
        Path prefix = dir.resolve("out/one");
        try (Tokenizer tokenizer = Tokenizer.load(TokenizerTest.writeSmallTokenizer(dir))) {
            TopiaryException e = assertThrows(TopiaryException.class,
                    () -> DatasetPreparation.prepare(input, tokenizer, 262, prefix));
            assertEquals("end-of-text id 262 is outside the 262-id vocabulary of tokenizer " + tokenizer.file(),
                    e.getMessage());
            Cancellation cancelled = new Cancellation();
            cancelled.cancel();
            assertThrows(CancellationException.class,
                    () -> DatasetPreparation.prepare(input, tokenizer, EOD, prefix, cancelled));
            Path empty = dir.resolve("empty.txt");
            Files.writeString(empty, "");
            assertThrows(TopiaryException.class, () -> DatasetPreparation.prepare(empty, tokenizer, EOD, prefix));
        }
        if (Files.isDirectory(prefix.getParent())) {
            try (Stream<Path> files = Files.list(prefix.getParent())) {
                assertFalse(files.findAny().isPresent(), "nothing written");
            }
        }
    }
}
