package dev.topiary.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face byte-level BPE {@code tokenizer.json} as GGUF's {@code tokenizer.ggml.*} keys: llama.cpp's
 * {@code gpt2} tokenizer model with the tokens in id order, their types, the merges, and the pre-tokenizer that
 * splits text as the file's does ({@code gpt-2} for GPT-2's pattern, which the embedded tokenizer uses;
 * {@code llama-bpe} for Llama-3's).
 *
 * @param tokens every token of the model's vocabulary, by id (ids the file lacks are padding tokens)
 * @param types each token's llama.cpp type: 1 normal, 3 control (special), 4 user-defined, 5 unused (padding)
 * @param merges the BPE merges, "left right", in rank order
 * @param pre llama.cpp's name of the pre-tokenizer
 * @param addBos whether the tokenizer puts the bos token before a text
 */
public record GgufTokenizer(List<String> tokens, int[] types, List<String> merges, String pre, boolean addBos) {

    /** Llama-3's pre-tokenization pattern, as its tokenizer.json spells it. */
    static final String LLAMA3_PATTERN = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}|"
            + " ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NORMAL = 1;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;
    private static final int UNUSED = 5;

    /**
     * Reads {@code file} for a model of {@code config}'s vocabulary.
     *
     * @throws TopiaryException when the file is not a byte-level BPE tokenizer llama.cpp can represent, or holds ids
     *     beyond the model's vocabulary
     */
    public static GgufTokenizer read(Path file, LlamaConfig config) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new TopiaryException("cannot read tokenizer " + file + ": " + IoErrors.describe(e), e);
        }
        JsonNode model = root == null ? null : root.path("model");
        if (model == null || !"BPE".equals(model.path("type").asText()) || !model.path("vocab").isObject()) {
            throw new TopiaryException("tokenizer " + file + " is not a byte-level BPE tokenizer (model.type \"BPE\""
                    + " with a vocab): llama.cpp's gpt2 tokenizer model cannot hold it");
        }
        int vocabulary = config.vocabSize();
        String[] tokens = new String[vocabulary];
        int[] types = new int[vocabulary];
        for (Iterator<Map.Entry<String, JsonNode>> it = model.path("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            put(tokens, types, e.getValue().asInt(-1), e.getKey(), NORMAL, file);
        }
        for (JsonNode added : root.path("added_tokens")) {
            put(tokens, types, added.path("id").asInt(-1), added.path("content").asText(),
                    added.path("special").asBoolean() ? CONTROL : USER_DEFINED, file);
        }
        for (int id = 0; id < vocabulary; id++) {
            if (tokens[id] == null) {
                tokens[id] = "[PAD" + id + "]";
                types[id] = UNUSED;
            }
        }
        List<String> merges = new ArrayList<>();
        for (JsonNode merge : model.path("merges")) {
            merges.add(merge.isArray() ? merge.path(0).asText() + " " + merge.path(1).asText() : merge.asText());
        }
        boolean addBos = root.path("post_processor").toString().contains("\"SpecialToken\"");
        String pre = preTokenizer(root.path("pre_tokenizer"), file);
        if (pre.equals("llama-bpe") && !model.path("ignore_merges").asBoolean(false)) {
            // llama.cpp's llama-bpe takes a piece found in the vocabulary as one token before any merge; a file
            // that merges such pieces could split some words otherwise.
            throw new TopiaryException("tokenizer " + file + " uses Llama-3's pre-tokenizer but model.ignore_merges"
                    + " is not true, and llama.cpp's llama-bpe always ignores merges for pieces in the vocabulary:"
                    + " it could split some words differently");
        }
        return new GgufTokenizer(Arrays.asList(tokens), types, merges, pre, addBos);
    }

    /** Writes the tokenizer keys, with {@code config}'s bos and first eos token. */
    void writeTo(GgufWriter gguf, LlamaConfig config) {
        gguf.putString("tokenizer.ggml.model", "gpt2").putString("tokenizer.ggml.pre", pre)
                .putStrings("tokenizer.ggml.tokens", tokens).putInt32s("tokenizer.ggml.token_type", types)
                .putStrings("tokenizer.ggml.merges", merges)
                .putUInt32("tokenizer.ggml.bos_token_id", config.bosTokenId())
                .putUInt32("tokenizer.ggml.eos_token_id", config.eosTokenIds().get(0))
                .putBool("tokenizer.ggml.add_bos_token", addBos).putBool("tokenizer.ggml.add_eos_token", false);
    }

    private static void put(String[] tokens, int[] types, int id, String token, int type, Path file) {
        if (id < 0 || id >= tokens.length) {
            throw new TopiaryException("tokenizer " + file + " has token id " + id + " ('" + token + "'), outside the"
                    + " model's vocabulary of " + tokens.length);
        }
        tokens[id] = token;
        types[id] = type;
    }

    private static String preTokenizer(JsonNode pre, Path file) {
        if ("ByteLevel".equals(pre.path("type").asText()) && pre.path("use_regex").asBoolean(true)) {
            return "gpt-2";
        }
        if ("Sequence".equals(pre.path("type").asText())) {
            JsonNode steps = pre.path("pretokenizers");
            if (steps.size() == 2 && "Split".equals(steps.path(0).path("type").asText())
                    && LLAMA3_PATTERN.equals(steps.path(0).path("pattern").path("Regex").asText())
                    && "ByteLevel".equals(steps.path(1).path("type").asText())
                    && !steps.path(1).path("use_regex").asBoolean(true)) {
                return "llama-bpe";
            }
        }
        throw new TopiaryException("tokenizer " + file + " splits text with a pre-tokenizer llama.cpp has no name for"
                + " (" + pre + "): expected GPT-2's ByteLevel pattern or Llama-3's Split pattern");
    }
}
