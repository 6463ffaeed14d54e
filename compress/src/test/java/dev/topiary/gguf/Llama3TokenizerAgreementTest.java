package dev.topiary.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.data.Document;
import dev.topiary.data.SotuCorpus;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.embedded.TestCache;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaPresets;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer with Llama-3's pre-tokenizer (Split on Llama-3's pattern, then ByteLevel without its own regex),
 * exported to GGUF as llama.cpp's {@code llama-bpe}: llama.cpp splits text into exactly the ids Hugging Face's
 * tokenizers (through DJL, an independent implementation) gives, on every validation speech and on strings where
 * the two regex engines could part: digit runs, upper-case contractions, line breaks, non-ASCII letters.
 */
class Llama3TokenizerAgreementTest {

    private static final List<String> HARD = List.of("12345678", "I'LL don't", "He'S WE'RE they'Ve you'D I'M",
            "one\ntwo\r\n\nthree \n\n  four\n", "naïve café 東京", "  leading, trailing  ", "tab\tand\u00a0nbsp",
            "1,000,000.50 and 2024-01-31");

    @TempDir
    static Path dir;

    static Path llama3Tokenizer;

    @BeforeAll
    static void tokenizer() throws IOException {
        Path embedded = EmbeddedData.obtain(TestCache.withSharedData(Files.createDirectories(dir.resolve("cache"))))
                .tokenizer();
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(embedded.toFile());
        ObjectNode sequence = json.createObjectNode().put("type", "Sequence");
        ArrayNode steps = sequence.putArray("pretokenizers");
        ObjectNode split = steps.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", GgufTokenizer.LLAMA3_PATTERN);
        split.put("behavior", "Isolated").put("invert", false);
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", false);
        root.set("pre_tokenizer", sequence);
        // As Llama-3's own file says, and as llama.cpp's llama-bpe always does: a piece already in the vocabulary
        // is one token, whatever the merges.
        ((ObjectNode) root.path("model")).put("ignore_merges", true);
        llama3Tokenizer = dir.resolve("llama3-tokenizer.json");
        json.writeValue(llama3Tokenizer.toFile(), root);
    }

    @Test
    void llamaCppSplitsEveryTextIntoTopiarysIds() {
        Path file = dir.resolve("llama3-tokenizer.gguf");
        try (Llama model = Llama.random(LlamaPresets.tiny().toBuilder().setNumHiddenLayers(1).build(), 1,
                Device.cpu(), DataType.FLOAT32)) {
            LlamaGguf.write(model, llama3Tokenizer, "llama3 tokenizer", "{}", GgmlType.F32, file);
        }
        assertEquals("llama-bpe", GgufTokenizer.read(llama3Tokenizer, LlamaPresets.tiny()).pre());
        try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, 512);
                Tokenizer topiary = Tokenizer.load(llama3Tokenizer)) {
            for (String text : HARD) {
                assertArrayEquals(topiary.encodeWithoutSpecialTokens(text), llamaCpp.tokenize(text, false), text);
            }
            for (Document speech : SotuCorpus.split().validation()) {
                String name = speech.year() + " " + speech.president();
                assertArrayEquals(topiary.encodeWithoutSpecialTokens(speech.text()),
                        llamaCpp.tokenize(speech.text(), false), name);
                assertArrayEquals(topiary.encode(speech.text()), llamaCpp.tokenize(speech.text(), true),
                        name + " with the bos token");
            }
        }
    }
}
