package dev.topiary.data;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} loaded from a local file through DJL's tokenizers binding; never from a hub.
 * Encoding adds the special tokens the file's post-processor asks for (Llama 3 prepends begin-of-text); decoding
 * drops special tokens.
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private int vocabularySize;

    private Tokenizer(HuggingFaceTokenizer tokenizer, Path file) {
        this.tokenizer = tokenizer;
        this.file = file;
    }

    /** Loads {@code tokenizer.json}, or the {@code tokenizer.json} inside a model directory. */
    public static Tokenizer load(Path path) {
        Engines.configureOffline();
        Path file = Files.isDirectory(path) ? path.resolve("tokenizer.json") : path;
        if (!Files.isRegularFile(file) && Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new TopiaryException("cannot load the tokenizer: " + file + " " + IoErrors.whyNotARegularFile(file)
                    + "; it must be a Hugging Face tokenizer.json");
        }
        if (!Files.isRegularFile(file)) {
            throw new TopiaryException("tokenizer file not found: " + file
                    + (Files.isDirectory(path) ? " (a model directory needs tokenizer.json to turn text into ids)" : ""));
        }
        try {
            // No truncation or padding: Topiary decides sequence lengths itself.
            Map<String, String> options = Map.of("truncation", "false", "padding", "false",
                    "addSpecialTokens", "true", "modelMaxLength", String.valueOf(Integer.MAX_VALUE));
            return new Tokenizer(HuggingFaceTokenizer.newInstance(file, options), file);
        } catch (IOException e) {
            throw new TopiaryException("cannot load tokenizer " + file + ": " + IoErrors.describe(e), e);
        } catch (RuntimeException e) {
            throw new TopiaryException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /** Token ids of {@code text}, with the tokenizer's special tokens. */
    public int[] encode(String text) {
        return toInts(tokenizer.encode(text));
    }

    /** Token ids of {@code text} without any special tokens (for continuations appended to a context). */
    public int[] encodeWithoutSpecialTokens(String text) {
        return toInts(tokenizer.encode(text, false, false));
    }

    private static int[] toInts(Encoding encoding) {
        long[] ids = encoding.getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /**
     * The id of {@code token}, a token the tokenizer holds whole (a special token such as {@code <|end_of_text|>}).
     *
     * @throws TopiaryException naming the tokenizer file when it does not encode {@code token} as one token of that
     *     text
     */
    public int tokenId(String token) {
        Encoding encoding = tokenizer.encode(token, false, false);
        long[] ids = encoding.getIds();
        if (ids.length != 1 || !token.equals(encoding.getTokens()[0])) {
            throw new TopiaryException("tokenizer " + file + " has no token '" + token + "' (it encodes that text as "
                    + ids.length + " tokens)");
        }
        return Math.toIntExact(ids[0]);
    }

    /**
     * The number of ids the tokenizer can produce: one past the largest id in its model's vocabulary and its added
     * tokens. Read from the file on first use, since DJL's binding does not expose it.
     *
     * @throws TopiaryException when the file holds no vocabulary Topiary recognises
     */
    public synchronized int vocabularySize() {
        if (vocabularySize == 0) {
            vocabularySize = TokenizerVocabulary.size(file);
        }
        return vocabularySize;
    }

    /**
     * The text of {@code ids}, special tokens left out. An id the tokenizer does not have (a model whose vocabulary is
     * larger than its tokenizer's can emit one) is shown as {@code <unk:ID>} rather than dropped without a trace.
     */
    public String decode(int[] ids) {
        StringBuilder text = new StringBuilder();
        int start = 0;
        for (int i = 0; i <= ids.length; i++) {
            if (i == ids.length || !canDecode(ids[i])) {
                if (i > start) {
                    text.append(decodeKnown(ids, start, i));
                }
                if (i < ids.length) {
                    text.append("<unk:").append(ids[i]).append('>');
                }
                start = i + 1;
            }
        }
        return text.toString();
    }

    /** Whether {@code id} is one of the tokenizer's ids, from 0 to {@link #vocabularySize()} - 1. */
    public boolean canDecode(int id) {
        return id >= 0 && id < vocabularySize();
    }

    private String decodeKnown(int[] ids, int from, int to) {
        long[] wide = new long[to - from];
        for (int i = from; i < to; i++) {
            wide[i - from] = ids[i];
        }
        return tokenizer.decode(wide, true);
    }

    public Path file() {
        return file;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "Tokenizer(" + file + ")";
    }
}
