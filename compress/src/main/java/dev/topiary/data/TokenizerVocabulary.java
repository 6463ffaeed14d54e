package dev.topiary.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;

/**
 * The vocabulary size of a Hugging Face {@code tokenizer.json}, read from the file itself: DJL's tokenizers binding
 * has no call for it, and a dataset writer must know it before the first token to pick the storage type.
 */
final class TokenizerVocabulary {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerVocabulary() {}

    /**
     * One past the largest id among {@code model.vocab} (an object of token to id for BPE and WordPiece, an array of
     * entries for Unigram, whose ids are the positions) and {@code added_tokens}.
     */
    static int size(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TopiaryException("cannot read tokenizer " + file + ": " + IoErrors.describe(e), e);
        }
        long largest = -1;
        JsonNode vocab = root == null ? null : root.path("model").get("vocab");
        if (vocab != null && vocab.isObject()) {
            for (Iterator<JsonNode> ids = vocab.elements(); ids.hasNext(); ) {
                largest = Math.max(largest, ids.next().asLong(-1));
            }
        } else if (vocab != null && vocab.isArray()) {
            largest = vocab.size() - 1;
        }
        if (root != null) {
            for (JsonNode added : root.path("added_tokens")) {
                largest = Math.max(largest, added.path("id").asLong(-1));
            }
        }
        if (largest < 0 || largest >= Integer.MAX_VALUE) {
            throw new TopiaryException("tokenizer " + file + ": no vocabulary found, expected model.vocab with token ids"
                    + " from 0");
        }
        return (int) largest + 1;
    }
}
