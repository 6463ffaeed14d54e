package dev.topiary;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import dev.topiary.data.TokenizerTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorpusTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    static Path writeText(Path dir) throws IOException {
        Path text = dir.resolve("speeches.jsonl");
        Files.write(text, List.of("{\"text\": \"hello world\"}", "{\"text\": \"well, hello\"}",
                "{\"text\": \"the world will tell\"}"));
        return text;
    }

    @Test
    void aTextCorpusIsRecordedByItsFileTokenizerAndFingerprint(@TempDir Path dir) throws IOException {
        Path text = writeText(dir);
        Path tokenizer = TokenizerTest.writeSmallTokenizer(dir);
        Corpus corpus = Corpus.text(dir.resolve(".").resolve("speeches.jsonl"), dir);
        String expected = "{\"kind\":\"text\",\"file\":\"" + text + "\",\"tokenizer\":\"" + tokenizer
                + "\",\"sha256\":\"" + Sha256.of(List.of(text, tokenizer)) + "\"}";
        assertEquals(expected, corpus.toJson().toString());
        assertEquals("text " + text + " (tokenizer " + tokenizer + ")", corpus.toString());
        Corpus back = Corpus.fromJson(JSON.readTree(expected));
        assertEquals(corpus, back);
        assertEquals(expected, back.toJson().toString());
        assertEquals(corpus, Corpus.of(text, tokenizer));
    }

    @Test
    void anIndexedCorpusIsRecordedByItsPrefixAndFingerprint(@TempDir Path dir) throws IOException {
        Path prefix = dir.resolve("data");
        try (Tokenizer tokenizer = Tokenizer.load(TokenizerTest.writeSmallTokenizer(dir))) {
            DatasetPreparation.prepare(writeText(dir), tokenizer, prefix);
        }
        Corpus corpus = Corpus.indexed(dir.resolve("data.idx"));
        String expected = "{\"kind\":\"indexed\",\"prefix\":\"" + prefix + "\",\"sha256\":\""
                + Sha256.of(List.of(dir.resolve("data.idx"), dir.resolve("data.bin"))) + "\"}";
        assertEquals(expected, corpus.toJson().toString());
        assertEquals("indexed dataset " + prefix, corpus.toString());
        assertEquals(corpus, Corpus.fromJson(JSON.readTree(expected)));
        assertEquals(corpus, Corpus.of(prefix, null));
        assertTrue(!corpus.isEmbedded());
    }

    @Test
    void aRecipeWhoseDataChangedIsRefused(@TempDir Path dir) throws IOException {
        Path text = writeText(dir);
        TokenizerTest.writeSmallTokenizer(dir);
        String recorded = Corpus.text(text, dir).toJson().toString();
        Files.writeString(text, "{\"text\": \"hello\"}\n");
        TopiaryException e = assertThrows(TopiaryException.class, () -> Corpus.fromJson(JSON.readTree(recorded)));
        assertTrue(e.getMessage().startsWith("the data of text " + text), e.getMessage());
        assertTrue(e.getMessage().contains("has changed since the recipe was written"), e.getMessage());
    }

    @Test
    void anEmbeddedSplitIsNamedByItsSplit() throws IOException {
        Corpus test = Corpus.embedded("test");
        assertEquals("embedded corpus, test split", test.toString());
        assertTrue(test.isEmbedded());
        assertEquals(test, Corpus.fromJson(JSON.readTree("{\"kind\":\"embedded\",\"split\":\"test\"}")));
        TopiaryException e = assertThrows(TopiaryException.class, () -> Corpus.embedded("dev"));
        assertEquals("unknown split 'dev' of the embedded corpus: expected one of [train, validation, test]",
                e.getMessage());
        TopiaryException kind = assertThrows(TopiaryException.class,
                () -> Corpus.fromJson(JSON.readTree("{\"kind\":\"hub\"}")));
        assertEquals("unknown corpus kind 'hub' in recipe: expected indexed, text or embedded", kind.getMessage());
    }

    @Test
    void aTextCorpusReadsAsItsPreparedDatasetAndIsTokenizedOnceForThreeOpens(@TempDir Path dir) throws IOException {
        Path text = writeText(dir);
        Path reference = dir.resolve("reference");
        try (Tokenizer tokenizer = Tokenizer.load(TokenizerTest.writeSmallTokenizer(dir))) {
            DatasetPreparation.prepare(text, tokenizer, reference);
        }
        Corpus corpus = Corpus.text(text, dir);
        Path prefix;
        try (IndexedDataset expected = IndexedDataset.open(reference); Corpus.Opened opened = corpus.open()) {
            IndexedDataset actual = opened.dataset();
            assertEquals(expected.dtype(), actual.dtype());
            assertArrayEquals(expected.documentIndex(), actual.documentIndex());
            assertEquals(expected.totalTokens(), actual.totalTokens());
            assertArrayEquals(expected.tokens(0, (int) expected.totalTokens()),
                    actual.tokens(0, (int) actual.totalTokens()));
            prefix = actual.prefix();
        }
        Path bin = prefix.resolveSibling(prefix.getFileName() + ".bin");
        Object written = Files.readAttributes(bin, BasicFileAttributes.class).fileKey();
        // Calibration, training and evaluation each name the text again and open it.
        for (int i = 0; i < 2; i++) {
            try (Corpus.Opened opened = Corpus.text(text, dir).open()) {
                assertEquals(prefix, opened.dataset().prefix());
            }
        }
        assertEquals(written, Files.readAttributes(bin, BasicFileAttributes.class).fileKey(), "not written again");
        assertEquals(Files.size(reference.resolveSibling("reference.bin")) / 2, corpus.tokens());
    }

    @Test
    void aTextIsTokenizedOncePerVersionAndTokenizerContents(@TempDir Path dir) throws IOException {
        Path text = writeText(dir);
        Path tokenizer = TokenizerTest.writeSmallTokenizer(dir);
        AtomicInteger tokenizations = new AtomicInteger();
        TokenizedTexts texts = new TokenizedTexts(Files.createDirectory(dir.resolve("tokens")), (t, k, p) -> {
            tokenizations.incrementAndGet();
            TokenizedTexts.tokenize(t, k, p);
        });
        Path first = texts.prefix(text, tokenizer);
        assertEquals(first, texts.prefix(text, tokenizer));
        assertEquals(first, texts.prefix(text, tokenizer));
        assertEquals(1, tokenizations.get(), "three opens, one tokenization");

        Files.writeString(text, "{\"text\": \"hello\"}\n");
        Path edited = texts.prefix(text, tokenizer);
        assertNotEquals(first, edited);
        assertEquals(2, tokenizations.get(), "an edited text is tokenized again");
        try (IndexedDataset dataset = IndexedDataset.open(edited)) {
            assertEquals(1, dataset.documentCount());
        }

        Path copy = Files.copy(tokenizer, Files.createDirectory(dir.resolve("copy")).resolve("tokenizer.json"));
        assertEquals(edited, texts.prefix(text, copy));
        assertEquals(2, tokenizations.get(), "a tokenizer of the same contents gives the same tokens");
    }

    @Test
    void aFailedTokenizationLeavesNothingAndIsTriedAgain(@TempDir Path dir) throws IOException {
        Path text = writeText(dir);
        Path tokenizer = TokenizerTest.writeSmallTokenizer(dir);
        Path root = Files.createDirectory(dir.resolve("tokens"));
        AtomicInteger attempts = new AtomicInteger();
        TokenizedTexts texts = new TokenizedTexts(root, (t, k, p) -> {
            if (attempts.incrementAndGet() == 1) {
                throw new TopiaryException("cancelled");
            }
            TokenizedTexts.tokenize(t, k, p);
        });
        TopiaryException e = assertThrows(TopiaryException.class, () -> texts.prefix(text, tokenizer));
        assertEquals("cancelled", e.getMessage());
        try (var left = Files.list(root)) {
            assertEquals(List.of(), left.toList());
        }
        try (IndexedDataset dataset = IndexedDataset.open(texts.prefix(text, tokenizer))) {
            assertEquals(3, dataset.documentCount());
        }
        assertEquals(2, attempts.get());
    }
}
