package dev.topiary.bench;

import dev.topiary.TopiaryException;
import dev.topiary.data.ByteLevelAlphabet;
import dev.topiary.data.TokenizerJson;
import dev.topiary.embedded.EmbeddedData;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.GgufExport;
import dev.topiary.gguf.LlamaGguf;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llamacpp.Generation;
import dev.topiary.llamacpp.GgufReader;
import dev.topiary.llamacpp.LlamaCppModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Decoding speed at deployment: Topiary's own fp32 greedy decoding against llama.cpp's on the model's GGUF exports,
 * each rate also as a fraction of the memory-bandwidth limit (decoding a token reads every weight once, so at most
 * bandwidth / weight bytes tokens per second).
 */
final class DeployBenchmark {

    /** The exported types, largest first. */
    static final List<GgmlType> TYPES = List.of(GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K);
    /** Tokens of the random prompt: short, so the timed decoding is mostly one-token steps. */
    static final int PROMPT = 8;
    /** New tokens per timed run. */
    static final int TOKENS = 32;

    private static final String BOS = "<|begin_of_text|>";
    private static final String EOS = "<|end_of_text|>";

    private DeployBenchmark() {}

    /**
     * @param parameters the model's parameter count
     * @param topiary Topiary's greedy decoding of {@link #TOKENS} tokens after {@link #PROMPT}, fp32
     * @param gigabytesPerSecond the machine's measured memory bandwidth
     * @param exports one entry per type of {@link #TYPES}
     */
    record Result(long parameters, Timing topiary, double gigabytesPerSecond, List<Export> exports) {

        /** Topiary's tokens per second at the median time. */
        double topiaryTokensPerSecond() {
            return TOKENS / topiary.median();
        }

        /** Topiary's rate over the bandwidth limit of reading every fp32 weight once per token. */
        double topiaryFractionOfLimit() {
            return fraction(topiaryTokensPerSecond(), parameters * (long) Float.BYTES, gigabytesPerSecond);
        }

        /** One Markdown list line per measurement, as {@link Benchmarks} prints them. */
        List<String> lines(String name) {
            List<String> lines = new ArrayList<>();
            lines.add(String.format("- %s, Topiary fp32 greedy decoding, %d tokens after %d (%.3f GB of weights): %s;"
                            + " %.1f%% of the bandwidth limit", name, TOKENS, PROMPT, parameters * 4 / 1e9,
                    topiary.rate(TOKENS, "tokens/s"), 100 * topiaryFractionOfLimit()));
            for (Export e : exports) {
                lines.add(String.format("- %s, llama.cpp %s (file %.3f GB, weights %.3f GB), greedy decoding, %d tokens"
                                + " after %d: %s; %.1f%% of the bandwidth limit", name, e.type().ggmlName(),
                        e.fileBytes() / 1e9, e.weightBytes() / 1e9, e.tokens(), PROMPT,
                        e.timing().rate(e.tokens(), "tokens/s"), 100 * e.fractionOfLimit(gigabytesPerSecond)));
            }
            return lines;
        }
    }

    /**
     * One GGUF export decoded by llama.cpp.
     *
     * @param fileBytes the file's size
     * @param weightBytes the bytes of its tensors, what decoding a token reads
     * @param tokens tokens generated per timed run: {@link #TOKENS}, or fewer where greedy decoding reached an
     *     end-of-generation token (llama.cpp always stops there)
     * @param timing the whole generation, prompt included
     */
    record Export(GgmlType type, long fileBytes, long weightBytes, int tokens, Timing timing) {

        /** llama.cpp's tokens per second at the median time. */
        double tokensPerSecond() {
            return tokens / timing.median();
        }

        /** llama.cpp's rate over the bandwidth limit of reading the file's tensors once per token. */
        double fractionOfLimit(double gigabytesPerSecond) {
            return fraction(tokensPerSecond(), weightBytes, gigabytesPerSecond);
        }
    }

    /**
     * Measures {@code model}: Topiary's decoding, then each export of {@link #TYPES}, written into {@code dir}
     * and deleted once measured.
     *
     * @param embedded the embedded data, obtained only when the model's vocabulary is the embedded tokenizer's
     * @param gigabytesPerSecond the machine's memory bandwidth, from {@link MemoryBandwidthBenchmark}
     */
    static Result measure(Llama model, Supplier<EmbeddedData> embedded, Path dir, double gigabytesPerSecond,
            int warmup, int repeats) throws IOException {
        Timing topiary = ForwardBenchmark.decodeTiming(model, PROMPT, TOKENS, warmup, repeats);
        Path tokenizer = tokenizer(model.config(), embedded, dir);
        int[] prompt = RandomTokens.prompt(PROMPT, model.config().vocabSize());
        List<Export> exports = new ArrayList<>();
        for (GgmlType type : TYPES) {
            Path file = dir.resolve("deploy-" + type.ggmlName() + ".gguf");
            GgufExport export = LlamaGguf.write(model, tokenizer, "deploy benchmark", "{}", type, file);
            try (LlamaCppModel llamaCpp = LlamaCppModel.load(file, PROMPT + TOKENS)) {
                Generation first = llamaCpp.generate(prompt, TOKENS);
                if (first.tokens().length < 2) {
                    throw new TopiaryException("llama.cpp's greedy decoding of the " + type.ggmlName() + " export "
                            + file + " reached an end-of-generation token after " + first.tokens().length
                            + " tokens: no decoding speed to measure");
                }
                Timing timing = Timing.of(warmup, repeats, () -> llamaCpp.generate(prompt, TOKENS));
                exports.add(new Export(type, export.bytes(), weightBytes(file), first.tokens().length, timing));
            }
            Files.delete(file);
        }
        return new Result(model.parameterCount(), topiary, gigabytesPerSecond, exports);
    }

    /**
     * A tokenizer for exporting a model of {@code config}: the embedded one where the vocabulary is its size,
     * otherwise a byte-level one written into {@code dir} (the 256 bytes, no merges, and the model's bos and first
     * eos token as special tokens; ids beyond are exported as padding).
     *
     * @throws TopiaryException when the model's bos or eos token falls among the byte tokens or outside the vocabulary
     */
    static Path tokenizer(LlamaConfig config, Supplier<EmbeddedData> embedded, Path dir) throws IOException {
        if (config.vocabSize() == EmbeddedData.VOCABULARY) {
            return embedded.get().tokenizer();
        }
        int bos = config.bosTokenId();
        int eos = config.eosTokenIds().get(0);
        for (int id : new int[] {bos, eos}) {
            if (id < 256 || id >= config.vocabSize()) {
                throw new TopiaryException("a byte-level tokenizer for a vocabulary of " + config.vocabSize()
                        + " needs bos and eos ids from 256 (after the byte tokens) to " + (config.vocabSize() - 1)
                        + ", not " + id);
            }
        }
        if (bos == eos) {
            throw new TopiaryException("a byte-level tokenizer needs distinct bos and eos ids, not both " + bos);
        }
        Map<String, Integer> bytes = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) {
            bytes.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        }
        Map<String, Integer> special = new LinkedHashMap<>();
        special.put(BOS, bos);
        special.put(EOS, eos);
        Path file = dir.resolve("byte-level-tokenizer.json");
        TokenizerJson.write(file, bytes, List.of(), special, BOS);
        return file;
    }

    /** The bytes of every tensor in a GGUF file. */
    static long weightBytes(Path gguf) {
        try (GgufReader reader = GgufReader.open(gguf)) {
            long bytes = 0;
            for (String name : reader.tensorNames()) {
                bytes += reader.tensorSize(name);
            }
            return bytes;
        }
    }

    private static double fraction(double tokensPerSecond, long bytesPerToken, double gigabytesPerSecond) {
        return tokensPerSecond / (gigabytesPerSecond * 1e9 / bytesPerToken);
    }
}
