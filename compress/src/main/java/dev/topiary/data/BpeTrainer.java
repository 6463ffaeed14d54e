package dev.topiary.data;

import dev.topiary.TopiaryException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * Trains a byte-level BPE tokenizer that Hugging Face tokenizers (and so DJL's {@code HuggingFaceTokenizer}) encode
 * exactly as it was trained: the same pre-tokenization ({@link ByteLevelPreTokenizer}), the same byte alphabet
 * ({@link ByteLevelAlphabet}), the same left-to-right merging within a word.
 *
 * <p>The algorithm is Hugging Face's {@code BpeTrainer}: count the distinct words, count every adjacent pair of
 * symbols weighted by word frequency, then repeatedly merge the most frequent pair into a new token until the
 * vocabulary is full or no pair is left. Pair counts are updated incrementally from the words the merged pair
 * occurs in (a pair-to-words index), and a priority queue with lazily corrected counts picks the next pair, so no
 * merge recounts the corpus.
 *
 * <p>Ties: Hugging Face takes, among equally frequent pairs, the one whose (left id, right id) is smallest, with
 * its own numbering: the 256 byte characters sorted by code point ('!' .. '~', then the Latin-1 ones, then the
 * stand-ins from U+0100, 'Ġ' among them), then merged tokens in creation order. Topiary numbers the bytes in byte
 * order instead, but breaks ties by that same order, so on the same texts it makes exactly the merges Hugging
 * Face's trainer makes (checked against {@code tokenizers} 0.23 on the SOTU corpus).
 *
 * <p>As in Hugging Face, two merges can spell the same token when words segment differently ("ab cd" in one,
 * "abc d" in another); the token then keeps its first id and only the first merge grows the vocabulary.
 */
public final class BpeTrainer {

    /** The special token prepended to every encoded text, second to last id. */
    public static final String BEGIN_OF_TEXT = "<|begin_of_text|>";
    /** The special token that ends a text in training data, last id. */
    public static final String END_OF_TEXT = "<|end_of_text|>";

    private static final int BYTES = 256;
    private static final int SPECIAL = 2;

    /** Hugging Face's id for each byte's token, relative: the byte characters sorted by code point. */
    private static final int[] HF_BYTE_ORDER = new int[BYTES];

    static {
        Integer[] bytes = new Integer[BYTES];
        for (int b = 0; b < BYTES; b++) {
            bytes[b] = b;
        }
        Arrays.sort(bytes, Comparator.comparingInt(b -> (int) ByteLevelAlphabet.charOf(b)));
        for (int rank = 0; rank < BYTES; rank++) {
            HF_BYTE_ORDER[bytes[rank]] = rank;
        }
    }

    private static final Comparator<Candidate> BEST_FIRST = Comparator
            .comparingLong((Candidate c) -> -c.count)
            .thenComparingInt(c -> tieOrder(c.pair.left))
            .thenComparingInt(c -> tieOrder(c.pair.right));

    // Distinct words as symbol ids, compacted in place as merges apply; counts[w] occurrences of word w.
    private final int[][] words;
    private final int[] lengths;
    private final long[] counts;

    private final Map<Long, Pair> pairs = new HashMap<>();
    private final PriorityQueue<Candidate> queue = new PriorityQueue<>(BEST_FIRST);
    private final List<String> tokens = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private final List<String> merges = new ArrayList<>();

    // Pairs that gained occurrences in the merge under way; stamp marks membership without a set.
    private final List<Pair> gained = new ArrayList<>();
    private int stamp;

    private BpeTrainer(Map<String, long[]> wordCounts) {
        words = new int[wordCounts.size()][];
        lengths = new int[wordCounts.size()];
        counts = new long[wordCounts.size()];
        int w = 0;
        for (Map.Entry<String, long[]> e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] symbols = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                symbols[i] = bytes[i] & 0xFF; // byte b has id b
            }
            words[w] = symbols;
            lengths[w] = symbols.length;
            counts[w] = e.getValue()[0];
            w++;
        }
        for (int b = 0; b < BYTES; b++) {
            String token = String.valueOf(ByteLevelAlphabet.charOf(b));
            ids.put(token, b);
            tokens.add(token);
        }
    }

    /**
     * Trains on {@code texts} until the vocabulary, the two special tokens included, holds {@code vocabSize} ids, or
     * fewer when the texts run out of pairs to merge.
     *
     * @throws TopiaryException when {@code vocabSize} leaves no room for a merge or the texts are empty
     */
    public static BpeModel train(Iterable<String> texts, int vocabSize) {
        if (vocabSize <= BYTES + SPECIAL) {
            throw new TopiaryException("vocabulary size must be more than " + (BYTES + SPECIAL)
                    + " (256 byte tokens and 2 special tokens, plus at least one merge), got " + vocabSize);
        }
        Map<String, long[]> wordCounts = new HashMap<>();
        for (String text : texts) {
            ByteLevelPreTokenizer.forEachWord(text, word -> wordCounts.computeIfAbsent(word, k -> new long[1])[0]++);
        }
        if (wordCounts.isEmpty()) {
            throw new TopiaryException("no text to train a tokenizer on: every training text is empty");
        }
        BpeTrainer trainer = new BpeTrainer(wordCounts);
        trainer.run(vocabSize - SPECIAL);
        Map<String, Integer> vocabulary = new LinkedHashMap<>();
        for (int id = 0; id < trainer.tokens.size(); id++) {
            vocabulary.put(trainer.tokens.get(id), id);
        }
        return new BpeModel(vocabulary, trainer.merges);
    }

    private void run(int targetTokens) {
        for (int w = 0; w < words.length; w++) {
            int[] s = words[w];
            for (int i = 0; i + 1 < lengths[w]; i++) {
                change(s[i], s[i + 1], counts[w], w);
            }
        }
        for (Pair p : pairs.values()) {
            queue.add(new Candidate(p.count, p));
        }
        gained.clear();
        while (tokens.size() < targetTokens && !queue.isEmpty()) {
            Candidate top = queue.poll();
            Pair pair = top.pair;
            if (top.count != pair.count) {
                // Stale: the pair lost occurrences to earlier merges. Requeue it at its true count.
                if (pair.count > 0) {
                    queue.add(new Candidate(pair.count, pair));
                }
                continue;
            }
            if (pair.count <= 0) {
                continue;
            }
            if (pair.mergedInto < 0) {
                String left = tokens.get(pair.left);
                String right = tokens.get(pair.right);
                String merged = left + right;
                Integer existing = ids.get(merged);
                if (existing == null) {
                    existing = tokens.size();
                    ids.put(merged, existing);
                    tokens.add(merged);
                }
                pair.mergedInto = existing;
                merges.add(left + " " + right);
            }
            // A pair merged before that gained occurrences again (a token reached by a second path) is merged
            // again without a new rule: the encoder would merge it there too.
            apply(pair);
        }
    }

    /** The position of token {@code id} in Hugging Face's numbering; merged tokens keep their order. */
    private static int tieOrder(int id) {
        return id < BYTES ? HF_BYTE_ORDER[id] : id;
    }

    /** Replaces every occurrence of {@code pair} in the words that hold it, updating the counts of the neighbours. */
    private void apply(Pair pair) {
        stamp++;
        int a = pair.left;
        int b = pair.right;
        int c = pair.mergedInto;
        int[] where = pair.words;
        int size = pair.size;
        for (int k = 0; k < size; k++) {
            int w = where[k];
            int[] s = words[w];
            int n = lengths[w];
            long weight = counts[w];
            int out = 0;
            int i = 0;
            while (i < n) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (out > 0) {
                        change(s[out - 1], a, -weight, w);
                        change(s[out - 1], c, weight, w);
                    }
                    if (i + 2 < n) {
                        change(b, s[i + 2], -weight, w);
                        change(c, s[i + 2], weight, w);
                    }
                    s[out++] = c;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            lengths[w] = out;
        }
        // No occurrence of the pair is left (its word list named every word holding it); free the list.
        pair.count = 0;
        pair.words = new int[0];
        pair.size = 0;
        for (Pair p : gained) {
            if (p.count > 0) {
                queue.add(new Candidate(p.count, p));
            }
        }
        gained.clear();
    }

    /** Adds {@code delta} occurrences of the pair (x, y), seen in word {@code w}. */
    private void change(int x, int y, long delta, int w) {
        long key = ((long) x << 32) | (y & 0xFFFFFFFFL);
        Pair p = pairs.get(key);
        if (p == null) {
            p = new Pair(x, y);
            pairs.put(key, p);
        }
        p.count += delta;
        if (delta > 0) {
            p.addWord(w);
            if (p.stamp != stamp) {
                p.stamp = stamp;
                gained.add(p);
            }
        }
    }

    /** An adjacent pair of symbol ids, its weighted count, and the words it occurs in (maybe a few stale ones). */
    private static final class Pair {
        final int left;
        final int right;
        long count;
        int[] words = new int[2];
        int size;
        int stamp = -1;
        int mergedInto = -1;

        Pair(int left, int right) {
            this.left = left;
            this.right = right;
        }

        void addWord(int w) {
            // A word's occurrences are added while that word is processed, so a repeat is always the last entry.
            if (size > 0 && words[size - 1] == w) {
                return;
            }
            if (size == words.length) {
                words = Arrays.copyOf(words, Math.max(2, size * 2));
            }
            words[size++] = w;
        }
    }

    /** A queue entry: the pair's count when it was queued, corrected when it comes out stale. */
    private record Candidate(long count, Pair pair) {}
}
