package dev.topiary.data;

import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained byte-level BPE tokenizer: the vocabulary (the 256 byte characters first, in byte order, then merged
 * tokens in the order they were made), the merge rules in priority order, and the begin- and end-of-text special
 * tokens with the last two ids. {@link #write} saves it as a Hugging Face {@code tokenizer.json}.
 */
public final class BpeModel {

    private final Map<String, Integer> vocabulary;
    private final List<String> merges;
    private final Map<String, Integer> specialTokens;

    BpeModel(Map<String, Integer> vocabulary, List<String> merges) {
        this.vocabulary = Collections.unmodifiableMap(new LinkedHashMap<>(vocabulary));
        this.merges = List.copyOf(merges);
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put(BpeTrainer.BEGIN_OF_TEXT, vocabulary.size());
        special.put(BpeTrainer.END_OF_TEXT, vocabulary.size() + 1);
        this.specialTokens = Collections.unmodifiableMap(special);
    }

    /**
     * The tokenizer with no merges: ids 0..255 are the bytes, 256 begins and 257 ends a text. Every text encodes to
     * its UTF-8 bytes, which makes token ids predictable by hand (tests, toy models).
     */
    public static BpeModel bytesOnly() {
        Map<String, Integer> bytes = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            bytes.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        return new BpeModel(bytes, List.of());
    }

    /** Token (in {@link ByteLevelAlphabet} characters) to id, in id order; the special tokens are not in it. */
    public Map<String, Integer> vocabulary() {
        return vocabulary;
    }

    /** The merge rules in priority order, each "left right". */
    public List<String> merges() {
        return merges;
    }

    /** Special token to id: begin-of-text, then end-of-text. */
    public Map<String, Integer> specialTokens() {
        return specialTokens;
    }

    /** The number of ids, special tokens included. */
    public int vocabSize() {
        return vocabulary.size() + specialTokens.size();
    }

    public int beginOfTextId() {
        return specialTokens.get(BpeTrainer.BEGIN_OF_TEXT);
    }

    public int endOfTextId() {
        return specialTokens.get(BpeTrainer.END_OF_TEXT);
    }

    /**
     * Writes {@code tokenizer.json} (Llama 3 style: begin-of-text prepended to every encoded text), replacing the
     * file whole; a directory gets {@code tokenizer.json} inside it. Returns the file written.
     */
    public Path write(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            TokenizerJson.write(file, vocabulary, merges, specialTokens, BpeTrainer.BEGIN_OF_TEXT);
        } catch (IOException e) {
            throw new TopiaryException("cannot write tokenizer " + file + ": " + IoErrors.describe(e), e);
        }
        return file;
    }

    @Override
    public String toString() {
        return "BpeModel(" + vocabSize() + " tokens, " + merges.size() + " merges)";
    }
}
