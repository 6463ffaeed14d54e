package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class TokenizerTest {

    private static final int BOS = 260;

    /** Bytes are ids 0..255 in byte order; four merges; two special tokens. */
    public static Path writeSmallTokenizer(Path dir) throws IOException {
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        vocab.put("he", 256);
        vocab.put("ll", 257);
        vocab.put("hell", 258);
        vocab.put("Ġw", 259);
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put("<|begin_of_text|>", BOS);
        special.put("<|end_of_text|>", 261);
        Path file = dir.resolve("tokenizer.json");
        TokenizerJson.write(file, vocab, List.of("h e", "l l", "he ll", "Ġ w"), special, "<|begin_of_text|>");
        return file;
    }

    @Test
    void encodesByMergeRankAndDecodesBack(@TempDir Path dir) throws IOException {
        try (Tokenizer tokenizer = Tokenizer.load(writeSmallTokenizer(dir))) {
            // "hello" -> h e l l o -> he l l o -> he ll o -> hell o; " world" -> Ġw o r l d.
            int[] expected = {BOS, 258, 'o', 259, 'o', 'r', 'l', 'd'};
            assertArrayEquals(expected, tokenizer.encode("hello world"));
            assertArrayEquals(new int[] {258, 'o'}, tokenizer.encodeWithoutSpecialTokens("hello"));
            assertEquals("hello world", tokenizer.decode(tokenizer.encode("hello world")));
        }
    }

    @Test
    void idsBeyondTheVocabularyDecodeAsVisiblePlaceholders(@TempDir Path dir) throws IOException {
        try (Tokenizer tokenizer = Tokenizer.load(writeSmallTokenizer(dir))) {
            assertEquals(262, tokenizer.vocabularySize());
            assertTrue(tokenizer.canDecode(261));
            assertTrue(!tokenizer.canDecode(262) && !tokenizer.canDecode(-1));
            assertEquals("<unk:4000>hello<unk:262> world<unk:-1>",
                    tokenizer.decode(new int[] {4000, BOS, 258, 'o', 262, 259, 'o', 'r', 'l', 'd', -1}));
            assertEquals("", tokenizer.decode(new int[0]));
        }
    }

    @Test
    void anyUtf8TextRoundTripsAndLongTextIsNotTruncated(@TempDir Path dir) throws IOException {
        String text = "Grüße, 東京! Tabs\tand\nnewlines, emoji \uD83C\uDF33. ".repeat(200);
        try (Tokenizer tokenizer = Tokenizer.load(dir.resolve(writeSmallTokenizer(dir).getFileName()).getParent())) {
            int[] ids = tokenizer.encode(text);
            assertTrue(ids.length > 2000, "no truncation: " + ids.length);
            assertEquals(text, tokenizer.decode(ids));
        }
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path dir) {
        TopiaryException e = assertThrows(TopiaryException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.resolve("tokenizer.json").toString()), e.getMessage());
    }

    @Test
    void aBrokenFileIsNamed(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": 3");
        TopiaryException e = assertThrows(TopiaryException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith("cannot load tokenizer " + file), e.getMessage());
    }
}
