package dev.topiary;

import dev.topiary.data.Tokenizer;
import dev.topiary.gguf.GgufExport;
import dev.topiary.llamacpp.Generation;
import dev.topiary.llamacpp.LlamaCppModel;
import dev.topiary.render.Html;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A model as it is deployed: its GGUF file run in this process by llama.cpp ({@link LanguageModel#deploy}). It
 * generates at llama.cpp's speed and says what the deployment costs: the file's bytes, bits per weight and the
 * decode rate measured by the last generation.
 *
 * <pre>{@code
 * try (DeployedModel deployed = student.deploy(Path.of("student-q8_0.gguf"), GgmlType.Q8_0)) {
 *     System.out.println(deployed.generate("The state of the Union"));
 *     deployed   // a card: type, bytes, bits per weight, tokens/s
 * }
 * }</pre>
 */
public final class DeployedModel implements HtmlRenderable, AutoCloseable {

    /** Tokens of context llama.cpp is given at most (the model's own limit when smaller). */
    public static final int CONTEXT_LENGTH = 2048;

    /** New tokens of {@link #generate(String)} and of the decode-rate measurement. */
    public static final int DEFAULT_NEW_TOKENS = 40;

    private final GgufExport export;
    private final Path tokenizer;
    private final LlamaCppModel runtime;
    private double decodeTokensPerSecond = Double.NaN;

    private DeployedModel(GgufExport export, Path tokenizer, LlamaCppModel runtime) {
        this.export = export;
        this.tokenizer = tokenizer;
        this.runtime = runtime;
    }

    /** Loads an export into llama.cpp; {@code tokenizer} decodes what it generates, as the model's own would. */
    static DeployedModel open(GgufExport export, Path tokenizer, int maxPositions) {
        return new DeployedModel(export, tokenizer,
                LlamaCppModel.load(export.file(), Math.min(CONTEXT_LENGTH, maxPositions)));
    }

    /** The greedy continuation of {@code prompt}, up to {@value #DEFAULT_NEW_TOKENS} tokens. */
    public String generate(String prompt) {
        return generate(prompt, DEFAULT_NEW_TOKENS);
    }

    /**
     * The greedy continuation of {@code prompt} (without the prompt) by llama.cpp, which tokenizes the prompt with
     * the file's tokenizer (the model's bos first, as Topiary's does); it stops at an end-of-generation token.
     */
    public String generate(String prompt, int maxNewTokens) {
        Generation g = runtime.generate(runtime.tokenize(prompt, true), maxNewTokens);
        if (g.tokens().length > 1) {
            decodeTokensPerSecond = g.decodeTokensPerSecond();
        }
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            return t.decode(g.tokens());
        }
    }

    /**
     * Tokens per second of llama.cpp's one-token decode steps in the last generation; measured on a generation of
     * {@value #DEFAULT_NEW_TOKENS} tokens after the bos token when there has been none.
     */
    public double decodeTokensPerSecond() {
        if (Double.isNaN(decodeTokensPerSecond)) {
            generate("", DEFAULT_NEW_TOKENS);
        }
        return decodeTokensPerSecond;
    }

    /** The GGUF file, its type, size and fallbacks. */
    public GgufExport export() {
        return export;
    }

    /** The fp32 logits llama.cpp computes at every position of {@code ids}. */
    public float[][] logits(int... ids) {
        return runtime.logits(ids);
    }

    @Override
    public void close() {
        runtime.close();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "deployed %s: %s, %s, %.2f bits per weight%s", export.file().getFileName(),
                export.type().ggmlName(), Html.bytes(export.bytes()), export.bitsPerWeight(),
                Double.isNaN(decodeTokensPerSecond) ? ""
                        : String.format(Locale.ROOT, ", %.1f tokens/s decoding", decodeTokensPerSecond));
    }

    @Override
    public String toHtml() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("file", export.file());
        properties.put("type", export.type().ggmlName() + (export.fallbacks().isEmpty() ? ""
                : " (" + String.join(", ", export.fallbacks()) + ")"));
        properties.put("bytes", Html.bytes(export.bytes()));
        properties.put("bits per weight", String.format(Locale.ROOT, "%.2f", export.bitsPerWeight()));
        properties.put("decode", Double.isNaN(decodeTokensPerSecond) ? "not measured yet"
                : String.format(Locale.ROOT, "%.1f tokens/s (llama.cpp, %d threads)", decodeTokensPerSecond,
                        Runtime.getRuntime().availableProcessors()));
        return Html.section("deployed with llama.cpp", Html.properties(properties));
    }
}
