package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.TestCache;
import dev.topiary.llama.LlamaPresets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the GGUF export that llama.cpp's conventions fix, checked against those conventions written out. */
class LlamaGgufTest {

    @Test
    void qAndKRowsMoveFromRotateHalfPairsToAdjacentPairsHeadByHead() {
        // Two heads of head_dim 4, one column: row r holds the value r. Rotate-half pairs rows (0, 2) and (1, 3) of
        // each head; GGML's rope pairs adjacent rows, so each head's rows become 0, 2, 1, 3.
        float[] rows = {0, 1, 2, 3, 4, 5, 6, 7};
        assertArrayEquals(new float[] {0, 2, 1, 3, 4, 6, 5, 7}, LlamaGguf.interleaveRotaryPairs(rows, 8, 1, 2));
        // With two columns each row moves whole.
        float[] wide = {0, 0.5f, 1, 1.5f, 2, 2.5f, 3, 3.5f};
        assertArrayEquals(new float[] {0, 0.5f, 2, 2.5f, 1, 1.5f, 3, 3.5f},
                LlamaGguf.interleaveRotaryPairs(wide, 4, 2, 1));
    }

    @Test
    void theEmbeddedTokenizerIsGpt2sByteLevelBpeWithItsSpecialTokensAsControl(@TempDir Path cache) {
        Path tokenizer = EmbeddedData.obtain(TestCache.withSharedData(cache)).tokenizer();
        var config = LlamaPresets.tiny();
        GgufTokenizer t = GgufTokenizer.read(tokenizer, config);
        assertEquals("gpt-2", t.pre());
        assertEquals(config.vocabSize(), t.tokens().size());
        assertEquals(3, t.types()[config.bosTokenId()], "bos is a control token");
        assertEquals(3, t.types()[config.eosTokenIds().get(0)], "eos is a control token");
        assertEquals(1, t.types()[300], "an ordinary token");
        assertTrue(t.merges().get(0).contains(" "), t.merges().get(0));
        assertTrue(t.addBos());
    }

    @Test
    void aTokenizerLlamaCppHasNoPreTokenizerForIsRefused(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, """
                {"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []},
                 "pre_tokenizer": {"type": "Whitespace"}}""");
        TopiaryException e = assertThrows(TopiaryException.class,
                () -> GgufTokenizer.read(file, LlamaPresets.tiny()));
        assertTrue(e.getMessage().contains("pre-tokenizer llama.cpp has no name for"), e.getMessage());
        Files.writeString(file, """
                {"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}""");
        e = assertThrows(TopiaryException.class, () -> GgufTokenizer.read(file, LlamaPresets.tiny()));
        assertTrue(e.getMessage().contains("not a byte-level BPE tokenizer"), e.getMessage());
    }
}
