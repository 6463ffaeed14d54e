package dev.topiary.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.topiary.TopiaryException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    /**
     * Where Unicode classes matter: combining marks, white space beyond ASCII (NBSP, NEL, line and paragraph
     * separators, ideographic and em spaces), a zero-width space and control characters (not white space), digits
     * of other scripts, upper-case contractions (not split off), emoji (surrogate pairs), underscores.
     */
    private static final String UNICODE_EDGES = "combining e\u0301 \u00fc\u0308, nbsp\u00a0x, nel\u0085y, "
            + "ls\u2028ps\u2029, ideographic\u3000space, zwsp\u200bj, fs\034x\037, vt\013ff\f "
            + "arabic \u0663\u0664\u0665 digits, roman \u216b, super \u00b2\u00b3, "
            + "thai \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22 'S 'LL I'm    \n\n  x  \t y\u2003\u2003z ,,, ... "
            + "\uD83C\uDF33\uD83C\uDF33 a\uD83C\uDF33b _under_score_ 1_000";

    /** The words Hugging Face tokenizers 0.23.2 makes of {@link #UNICODE_EDGES} (ByteLevel, use_regex), "|" between. */
    private static final String UNICODE_EDGES_WORDS = "combining| e|\u0301| \u00fc|\u0308,| nbsp|\u00a0|x|,| "
            + "nel|\u0085|y|,| ls|\u2028|ps|\u2029|,| ideographic|\u3000|space|,| zwsp|\u200b|j|,| "
            + "fs|\034|x|\037,| vt|\013|ff|\f| arabic| \u0663\u0664\u0665| digits|,| roman| \u216b|,| "
            + "super| \u00b2\u00b3|,| thai| \u0e20\u0e32\u0e29\u0e32\u0e44\u0e17\u0e22| '|S| '|LL| I|'m|    \n\n | "
            + "x|  \t| y|\u2003|\u2003|z| ,,,| ...| \uD83C\uDF33\uD83C\uDF33| a|\uD83C\uDF33|b| _|under|_|score|_| 1|_|000";

    @Test
    void mergesMatchAHandComputation() {
        // One word per text, so no 'Ġ' (space) prefixes: low x3, lower x1, lowest x1, newest x2.
        List<String> texts = List.of("low", "low", "low", "lower", "lowest", "newest", "newest");
        // Pair counts, weighted by word count, and the winner (ties: smallest left, then right, in Hugging Face's
        // order: printable bytes by value, e 101, l 108, n 110, o 111, r 114, s 115, t 116, w 119; merged tokens
        // after all bytes, in creation order 256, 257, ...):
        //  1. l o 5, o w 5, w e 4, e s 3, s t 3, n e 2, e w 2, e r 1           -> "l o" (tie with "o w": l < o) = 256
        //  2. lo w 5, w e 4, e s 3, s t 3, n e 2, e w 2, e r 1                 -> "lo w" = 257
        //     words: low x3, low e r, low e s t, n e w e s t x2
        //  3. e s 3, s t 3, low e 2, n e 2, e w 2, w e 2, e r 1                -> "e s" (tie with "s t": e < s) = 258
        //  4. es t 3, n e 2, e w 2, w es 2, low e 1, e r 1, low es 1          -> "es t" = 259
        //  5. n e 2, e w 2, w est 2, low e 1, e r 1, low est 1                 -> "e w" (e < n < w) = 260
        //  6. n ew 2, ew est 2, ...                                            -> "n ew" (110 < 260) = 261
        //  7. new est 2, low e 1, e r 1, low est 1                             -> "new est" = 262
        //  8. low e 1, e r 1, low est 1                                        -> "e r" (101 < 257) = 263
        //  9. low est 1 (257, 259), low er 1 (257, 263)                        -> "low est" = 264
        // 10. low er 1                                                         -> "low er" = 265; no pair is left.
        List<String> all = List.of("l o", "lo w", "e s", "es t", "e w", "n ew", "new est", "e r", "low est", "low er");
        BpeModel model = BpeTrainer.train(texts, 1000);
        assertEquals(all, model.merges());
        assertEquals(268, model.vocabSize(), "stops when no pair is left");
        assertEquals(List.of("lo", "low", "es", "est", "ew", "new", "newest", "er", "lowest", "lower"),
                new ArrayList<>(model.vocabulary().keySet()).subList(256, 266));
        assertEquals(Map.of("<|begin_of_text|>", 266, "<|end_of_text|>", 267), model.specialTokens());
        assertEquals(String.valueOf(ByteLevelAlphabet.charOf(' ')), "Ġ");
        assertEquals(0, model.vocabulary().get(String.valueOf(ByteLevelAlphabet.charOf(0))));

        BpeModel four = BpeTrainer.train(texts, 256 + 4 + 2);
        assertEquals(all.subList(0, 4), four.merges());
        assertEquals(262, four.vocabSize());
        assertEquals(260, four.beginOfTextId());
        assertEquals(261, four.endOfTextId());

        // A tie between a space pair and a letter pair: Hugging Face orders 'Ġ' (U+0120) after every printable
        // byte, so "x y" (1) and "z w" (1) win over "Ġ z" (1) although the space byte, 0x20, is smaller.
        assertEquals(List.of("x y", "z w", "Ġ zw"), BpeTrainer.train(List.of("xy zw"), 300).merges());
        // Overlapping pairs merge left to right: a a a a -> aa aa -> aaaa.
        assertEquals(List.of("a a", "aa aa"), BpeTrainer.train(List.of("aaaa"), 300).merges());
        // Words never merge across the pre-tokenizer's boundaries: "ab ab" is "ab" and "Ġab".
        assertEquals(List.of("a b", "Ġ ab"), BpeTrainer.train(List.of("ab ab"), 300).merges());
    }

    @Test
    void rejectsAVocabularyWithNoRoomForAMergeAndEmptyText() {
        TopiaryException small = assertThrows(TopiaryException.class, () -> BpeTrainer.train(List.of("abc"), 258));
        assertEquals("vocabulary size must be more than 258 (256 byte tokens and 2 special tokens, plus at least one "
                + "merge), got 258", small.getMessage());
        TopiaryException empty = assertThrows(TopiaryException.class, () -> BpeTrainer.train(List.of("", ""), 300));
        assertTrue(empty.getMessage().startsWith("no text to train a tokenizer on"), empty.getMessage());
    }

    @Test
    void preTokenizerSplitsLikeGpt2() {
        assertEquals(List.of("Hello", ",", " world", "'s", " 123", "  ", " tabs", "\t\n", "\n", "x", "!!", " 東京",
                        " \uD83C\uDF33", "\u00A0", "y"),
                ByteLevelPreTokenizer.words("Hello, world's 123   tabs\t\n\nx!! 東京 \uD83C\uDF33\u00A0y"));
        assertEquals(List.of("I", "'ll", " DON", "'", "T"), ByteLevelPreTokenizer.words("I'll DON'T"));
        assertEquals(List.of(UNICODE_EDGES_WORDS.split("\\|")), ByteLevelPreTokenizer.words(UNICODE_EDGES));
    }

    @Test
    void writtenTokenizerRoundTripsAnyUtf8ThroughDjl(@TempDir Path dir) {
        Path file = BpeTrainer.train(sample(), 600).write(dir.resolve("out"));
        assertEquals(dir.resolve("out"), file);
        String text = "Grüße, 東京! Tabs\tand\nnewlines\r\n, emoji \uD83C\uDF33\uD83D\uDC4D\uD83C\uDFFD, "
                + "  spaces   , nbsp\u00A0, zero\u200Bwidth, ünïcödé, Ωμέγα, עברית, 123,456.78 'quoted' don't ";
        try (Tokenizer tokenizer = Tokenizer.load(file)) {
            int[] ids = tokenizer.encode(text);
            assertEquals(598, ids[0], "begins with <|begin_of_text|>");
            assertEquals(text, tokenizer.decode(ids));
            for (String piece : text.split("(?<=,)")) {
                assertEquals(piece, tokenizer.decode(tokenizer.encodeWithoutSpecialTokens(piece)));
            }
        }
    }

    /**
     * The tokenizer Hugging Face builds from the written file encodes every training word exactly as the merges,
     * applied the way BPE applies them (lowest-ranked adjacent pair first, leftmost first), say it should; and
     * whole texts equal the concatenation of their words, so the pre-tokenizer splits as Hugging Face's does.
     */
    @Test
    void djlEncodesEveryTrainingWordAsTheMergesSay(@TempDir Path dir) {
        List<String> texts = sample();
        BpeModel model = BpeTrainer.train(texts, 1200);
        Path file = model.write(dir.resolve("tokenizer.json"));
        Set<String> words = new LinkedHashSet<>();
        texts.forEach(t -> words.addAll(ByteLevelPreTokenizer.words(t)));
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 0; i < model.merges().size(); i++) {
            ranks.putIfAbsent(model.merges().get(i), i);
        }
        try (Tokenizer tokenizer = Tokenizer.load(file)) {
            for (String word : words) {
                assertArrayEquals(applyMerges(word, ranks, model.vocabulary()),
                        tokenizer.encodeWithoutSpecialTokens(word), word);
            }
            for (String text : texts) {
                List<Integer> expected = new ArrayList<>();
                for (String word : ByteLevelPreTokenizer.words(text)) {
                    for (int id : applyMerges(word, ranks, model.vocabulary())) {
                        expected.add(id);
                    }
                }
                assertArrayEquals(expected.stream().mapToInt(Integer::intValue).toArray(),
                        tokenizer.encodeWithoutSpecialTokens(text));
            }
        }
    }

    /** BPE on one word, independently of the trainer: merge the best-ranked adjacent pair until none is left. */
    private static int[] applyMerges(String word, Map<String, Integer> ranks, Map<String, Integer> vocabulary) {
        List<String> symbols = new ArrayList<>();
        for (byte b : word.getBytes(StandardCharsets.UTF_8)) {
            symbols.add(String.valueOf(ByteLevelAlphabet.charOf(b)));
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (rank != null && rank < bestRank) {
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) {
                return symbols.stream().mapToInt(vocabulary::get).toArray();
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
    }

    /** The SOTU training split to 4,096 tokens; the validation split must come out under 0.35 tokens per byte. */
    @Test
    void sotuTokenizerCompressesTheValidationSplit(@TempDir Path dir) {
        CorpusSplit split = SotuCorpus.split();
        List<String> train = CorpusSplit.texts(split.train());
        long start = System.nanoTime();
        BpeModel model = BpeTrainer.train(train, 4096);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(4096, model.vocabSize());
        long bytes = 0;
        long tokens = 0;
        try (Tokenizer tokenizer = Tokenizer.load(model.write(dir.resolve("tokenizer.json")))) {
            for (String text : CorpusSplit.texts(split.validation())) {
                bytes += text.getBytes(StandardCharsets.UTF_8).length;
                tokens += tokenizer.encodeWithoutSpecialTokens(text).length;
            }
        }
        double perByte = (double) tokens / bytes;
        System.out.printf("SOTU BPE: trained %s in %.1f s on %d documents; validation %,d bytes -> %,d tokens, "
                + "%.4f tokens/byte%n", model, seconds, train.size(), bytes, tokens, perByte);
        assertTrue(perByte < 0.35, "tokens per byte " + perByte);
    }

    /** Varied text: SOTU prose, repeated words, digits, punctuation runs, white space of all kinds, non-Latin text. */
    private static List<String> sample() {
        List<String> texts = new ArrayList<>();
        for (Document d : SotuCorpus.split().train().subList(0, 6)) {
            texts.add(d.text());
        }
        texts.add("Tabs\tand\nnewlines\n\n  indented\r\n\"quotes\" -- dashes — 1,234.56 $7 100% (x) [y] {z}!!! ???");
        texts.add("Grüße aus 東京 und Ελλάδα; emoji \uD83C\uDF33\uD83C\uDF33 \uD83D\uDC4D\uD83C\uDFFD and 'it's' we'll");
        texts.add("aaaa aaaa aaaaaaa ab ab abab ababab      trailing spaces   ");
        texts.add(UNICODE_EDGES);
        return texts;
    }
}
