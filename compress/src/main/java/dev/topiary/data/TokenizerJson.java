package dev.topiary.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.io.AtomicFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes a byte-level BPE tokenizer in Hugging Face's {@code tokenizer.json} format, as Llama 3 configures it:
 * byte-level pre-tokenization with the GPT-2 split pattern, no prefix space, a begin-of-text token prepended to
 * every encoded sequence, and byte-level decoding.
 */
public final class TokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {}

    /**
     * @param vocabulary token string (in {@link ByteLevelAlphabet} characters) to id, without the special tokens
     * @param merges merge rules in priority order, each "left right"
     * @param specialTokens special token content to id (added tokens, never split)
     * @param bosToken the special token prepended to each sequence, or null for none
     */
    public static void write(Path file, Map<String, Integer> vocabulary, List<String> merges,
            Map<String, Integer> specialTokens, String bosToken) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode root = f.objectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        specialTokens.forEach((content, id) -> added.addObject()
                .put("id", id).put("content", content).put("single_word", false).put("lstrip", false)
                .put("rstrip", false).put("normalized", false).put("special", true));
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        if (bosToken == null) {
            root.putNull("post_processor");
        } else {
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "TemplateProcessing");
            ArrayNode single = post.putArray("single");
            single.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 0);
            single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            ArrayNode pair = post.putArray("pair");
            pair.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 0);
            pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            pair.addObject().putObject("SpecialToken").put("id", bosToken).put("type_id", 1);
            pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
            ObjectNode special = post.putObject("special_tokens").putObject(bosToken);
            special.put("id", bosToken);
            special.putArray("ids").add(specialTokens.get(bosToken));
            special.putArray("tokens").add(bosToken);
        }
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        vocabulary.forEach(vocab::put);
        ArrayNode mergeArray = model.putArray("merges");
        merges.forEach(mergeArray::add);

        AtomicFile.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
