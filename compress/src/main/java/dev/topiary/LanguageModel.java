package dev.topiary;

import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.eval.MultipleChoiceResult;
import dev.topiary.eval.MultipleChoiceScorer;
import dev.topiary.eval.MultipleChoiceTask;
import dev.topiary.gguf.EncodedMatrix;
import dev.topiary.gguf.GgmlType;
import dev.topiary.gguf.GgufExport;
import dev.topiary.gguf.GgufOwnership;
import dev.topiary.gguf.LlamaGguf;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.Overwrite;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.quant.QuantizedCheckpoint;
import dev.topiary.render.Html;
import java.io.IOException;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What every model offers, floating-point ({@link Model}) or quantized ({@link QuantizedModel}): evaluation,
 * generation, saving and inspection. The compression verbs live on the type where they are legal: a quantized model
 * has no {@code prune()} or {@code train()} to call.
 *
 * <p>Models are immutable; each carries its {@link Lineage}, which {@link #save} writes beside the weights as a
 * recipe that {@link Replay#of} runs again. A model holds its weights in native memory, possibly shared with models
 * that differ from it only in defaults or lineage; {@link #close()} lets go of them at once (they are freed when the
 * last model holding them closes), and a model that is no longer reachable lets go when the garbage collector finds
 * it.
 */
public abstract sealed class LanguageModel implements HtmlRenderable, AutoCloseable permits Model, QuantizedModel {

    private static final Cleaner CLEANER = Cleaner.create();

    /** The name of the lineage file {@link #save} writes. */
    public static final String RECIPE_FILE = "recipe.json";

    private final SharedWeights weights;
    private final Path tokenizer;
    private final ModelDefaults defaults;
    private final Lineage lineage;
    private final Derivation derivation;
    private final Cleaner.Cleanable cleanable;

    /** Takes a reference to {@code weights}, let go of on {@link #close()} or when this model becomes unreachable. */
    LanguageModel(SharedWeights weights, Path tokenizer, ModelDefaults defaults, Lineage lineage,
            Derivation derivation) {
        this.weights = weights.acquire();
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.lineage = lineage;
        this.derivation = derivation;
        this.cleanable = CLEANER.register(this, new SharedWeights.Release(weights));
    }

    /** A checkpoint directory as {@link #load(Path, String, String)} reads it, on the GPU when there is one. */
    public static LanguageModel load(Path dir) {
        return load(dir, "auto", "auto");
    }

    /** As {@link #load(Path, String, String)} in the device's default precision. */
    public static LanguageModel load(Path dir, String device) {
        return load(dir, device, "auto");
    }

    /**
     * A Hugging Face checkpoint directory as a {@link Model}, or a quantized one Topiary wrote as a
     * {@link QuantizedModel}: for code that evaluates or generates with either.
     *
     * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
     * @param dtype {@code float32}, {@code float16} (GPU only) or {@code auto}; a quantized model computes in fp32
     * @throws TopiaryException when the directory is not a loadable checkpoint
     */
    public static LanguageModel load(Path dir, String device, String dtype) {
        return QuantizedCheckpoint.isQuantized(dir) ? QuantizedModel.load(dir, device) : Model.load(dir, device, dtype);
    }

    // ------------------------------------------------------------------------------------------------------- evaluation

    /** Perplexity on the default held-out data (and, for the embedded teacher's line, next-sentence accuracy). */
    public Evaluation evaluate() {
        return evaluate(defaults.validationData(), 0);
    }

    /** Perplexity on {@code data}. */
    public Evaluation evaluate(Corpus data) {
        return evaluate(data, 0);
    }

    /**
     * Perplexity on up to {@code maxTokens} predicted tokens of {@code data} (0: all of it), in windows of 256 tokens;
     * with the embedded corpus and tokenizer, also accuracy on the embedded next-sentence task.
     */
    public Evaluation evaluate(Corpus data, long maxTokens) {
        LanguageModelMetrics metrics = languageModelMetrics("evaluate", data, Evaluation.WINDOW_LENGTH,
                Evaluation.BATCH_SIZE, maxTokens);
        MultipleChoiceResult nextSentence = null;
        if (defaults.nextSentence() && data.isEmbedded() && tokenizer != null) {
            Monitor monitor = Monitor.current();
            MultipleChoiceTask task = EmbeddedTeacher.nextSentenceTask();
            int items = task.items().size();
            monitor.report(new Progress("next-sentence scoring", 0, items, "items", task.name()));
            try (Tokenizer t = Tokenizer.load(tokenizer)) {
                nextSentence = MultipleChoiceScorer.score(llama(), t, task, monitor.cancellation(),
                        scored -> monitor.report(new Progress("next-sentence scoring", scored, items, "items",
                                task.name())));
            } finally {
                Reference.reachabilityFence(this);
            }
        }
        return new Evaluation(lineage.summary(), parameterCount(), storedBytes(), data, metrics, nextSentence);
    }

    /**
     * The mean next-token loss (nats) on up to {@code maxTokens} predicted tokens of {@code data} (0: all of it): the
     * language-modelling part of {@link #evaluate(Corpus, long)} alone, for quick comparisons of many models.
     */
    public double loss(Corpus data, long maxTokens) {
        return languageModelMetrics("loss", data, Evaluation.WINDOW_LENGTH, Evaluation.BATCH_SIZE, maxTokens).loss();
    }

    /**
     * Next-token loss and perplexity on up to {@code maxTokens} predicted tokens of {@code data} (0: all of it), in
     * windows of {@code windowLength} tokens, {@code batchSize} windows per forward pass: the measurement
     * {@link #loss} and {@link #evaluate} make at their fixed window, at any other.
     */
    public LanguageModelMetrics languageModelMetrics(Corpus data, int windowLength, int batchSize, long maxTokens) {
        return languageModelMetrics("loss", data, windowLength, batchSize, maxTokens);
    }

    private LanguageModelMetrics languageModelMetrics(String phase, Corpus data, int windowLength, int batchSize,
            long maxTokens) {
        Monitor monitor = Monitor.current();
        try (Corpus.Opened opened = data.open()) {
            // Windows done of all, after each forward pass; the last report (every window done) names the result.
            long[] windows = new long[1];
            LanguageModelMetrics metrics = LanguageModelEvaluation.evaluate(llama(), opened.dataset(),
                    windowLength, batchSize, maxTokens, monitor.cancellation(), (done, total) -> {
                        windows[0] = total;
                        if (done < total) {
                            monitor.report(new Progress(phase, done, total, "windows", data.toString()));
                        }
                    });
            monitor.report(new Progress(phase, windows[0], windows[0], "windows", metrics.toString()));
            return metrics;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    // ------------------------------------------------------------------------------------------------------- generation

    /** The greedy continuation of {@code prompt}, up to 40 tokens. */
    public String generate(String prompt) {
        return generate(prompt, GenerationOptions.greedy(40));
    }

    /**
     * The continuation of {@code prompt} (without the prompt). Ids the tokenizer cannot decode appear as
     * {@code <unk:ID>}. When the model's {@code max_position_embeddings} ends generation before
     * {@code options.maxNewTokens()} tokens, the {@linkplain Monitor#current() current monitor} is told, in a
     * progress report of the tokens made out of those asked for whose detail is the warning.
     *
     * @throws TopiaryException when the model has no tokenizer
     */
    public String generate(String prompt, GenerationOptions options) {
        try (Tokenizer t = Tokenizer.load(tokenizer())) {
            return t.decode(generate(t.encode(prompt), options));
        }
    }

    /**
     * The continuation of the token ids {@code prompt} (without the prompt), told to the current monitor as
     * {@link #generate(String, GenerationOptions)} says when the context ends it early.
     */
    public int[] generate(int[] prompt, GenerationOptions options) {
        try {
            int[] generated = Generator.generate(llama(), prompt, options);
            String warning = Generator.contextLimitWarning(config(), prompt.length, generated, options);
            if (warning != null) {
                Monitor.current().report(new Progress("generate", generated.length, options.maxNewTokens(), "tokens",
                        "warning: " + warning));
            }
            return generated;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** The fp32 next-token logits at every position of {@code ids} ({@code [ids.length][vocabulary]}). */
    public float[][] logits(int... ids) {
        try {
            return llama().logits(ids);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    // ----------------------------------------------------------------------------------------------------------- saving

    /**
     * Writes the model to {@code dir}: a Hugging Face checkpoint (config.json states head_dim) or, when quantized,
     * the packed quantized checkpoint; its tokenizer.json; and its lineage as {@code recipe.json}. The directory
     * appears complete or not at all. An existing directory is replaced only if Topiary wrote it; files the user
     * added to it are kept. A directory Topiary did not write is refused: see {@link #save(Path, Overwrite)}.
     *
     * @return this model, for chaining
     * @throws TopiaryException when {@code dir} is not Topiary's to replace or cannot be written
     */
    public LanguageModel save(Path dir) {
        return save(dir, Overwrite.TOPIARY_OUTPUT);
    }

    /**
     * Writes the model to {@code dir} as {@link #save(Path)} does; {@link Overwrite#FORCE} also writes into a
     * directory Topiary did not write, beside its files, keeping every one of them.
     *
     * @return this model, for chaining
     * @throws TopiaryException when {@code dir} is not Topiary's to replace or cannot be written
     */
    public LanguageModel save(Path dir, Overwrite overwrite) {
        save(dir, overwrite, this::writeWeights);
        return this;
    }

    /** Writes {@code dir} as {@link #save(Path, Overwrite)} does, with {@code weights} writing weights and config. */
    void save(Path dir, Overwrite overwrite, AtomicDirectory.Contents weights) {
        AtomicDirectory.write(dir, "model", overwrite, tmp -> {
            weights.writeInto(tmp);
            if (tokenizer != null) {
                Files.copy(tokenizer, tmp.resolve("tokenizer.json"));
            }
            lineage.write(tmp.resolve(RECIPE_FILE));
        });
        Reference.reachabilityFence(this);
    }

    /**
     * Writes the model as a GGUF file that llama.cpp runs with nothing else (architecture, sizes, rope, tokenizer and
     * this model's lineage as {@code topiary.lineage} inside), its matrices in {@code type}. An existing file is
     * replaced only if it is a GGUF file Topiary wrote; any other is refused: see
     * {@link #export(Path, GgmlType, Overwrite)}. Early-exit off-ramps are left out (llama.cpp runs the full model);
     * the current monitor is told so in a progress report whose detail is the warning.
     *
     * @throws TopiaryException before any work when the file exists, the model has no tokenizer or one llama.cpp
     *     cannot represent, or (for a quantized model) {@code type} cannot hold its weights exactly
     */
    public GgufExport export(Path file, GgmlType type) {
        return export(file, type, Overwrite.TOPIARY_OUTPUT);
    }

    /** As {@link #export(Path, GgmlType)}; {@link Overwrite#FORCE} replaces a file already at {@code file}. */
    public GgufExport export(Path file, GgmlType type, Overwrite overwrite) {
        checkExact(type);
        return writeGguf(file, type, overwrite, exactMatrices(type));
    }

    /**
     * Exports the model as {@link #export(Path, GgmlType)} does and loads the file into llama.cpp, in this process:
     * the model as it is deployed, generating at llama.cpp's speed.
     *
     * @throws TopiaryException as {@link #export(Path, GgmlType)} does, or when llama.cpp cannot load the file
     */
    public DeployedModel deploy(Path file, GgmlType type) {
        return DeployedModel.open(export(file, type), tokenizer(), config().maxPositionEmbeddings());
    }

    /**
     * Writes the GGUF file with the matrices in {@code type}, those {@code encoded} names as given, after checking
     * the target (a GGUF file Topiary wrote is replaced as if forced).
     */
    GgufExport writeGguf(Path file, GgmlType type, Overwrite overwrite, Map<String, EncodedMatrix> encoded) {
        GgufOwnership.checkTarget(file, overwrite);
        Path tokenizerFile = tokenizer();
        if (!config().exitLayers().isEmpty()) {
            Monitor.current().report(new Progress("export", 0, 0, "tensors", "warning: the early-exit off-ramps after"
                    + " layers " + config().exitLayers() + " are not written; llama.cpp runs the full model"));
        }
        try {
            return LlamaGguf.write(llama(), tokenizerFile, lineage.summary(), lineage.toJson().toString(), type,
                    file, encoded);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * @throws TopiaryException when {@code type} cannot hold this model's weights as they are
     */
    abstract void checkExact(GgmlType type);

    /**
     * The matrices an export to {@code type} (already accepted by {@link #checkExact}) writes as stored rather than
     * encoded from the model's floats, by Hugging Face name: none by default.
     */
    Map<String, EncodedMatrix> exactMatrices(GgmlType type) {
        return Map.of();
    }

    /** Writes the weights and config.json into the directory being built. */
    abstract void writeWeights(Path dir) throws IOException;

    // ------------------------------------------------------------------------------------------------------- inspection

    public LlamaConfig config() {
        return llama().config();
    }

    /**
     * The model's tokenizer.json, to prepare data with ({@link Corpus#prepare}).
     *
     * @throws TopiaryException when the model has none
     */
    public Path tokenizer() {
        if (tokenizer == null) {
            throw new TopiaryException("this model has no tokenizer: load it from a directory with tokenizer.json, or"
                    + " make it with Model.random(config, seed, like)");
        }
        return tokenizer;
    }

    public Lineage lineage() {
        return lineage;
    }

    public ModelDefaults defaults() {
        return defaults;
    }

    /** Unique parameters: a tied embedding and each block shared by several layers counted once. */
    public long parameterCount() {
        return LlamaLayout.parameterCount(config());
    }

    /** Parameters outside the token embedding and the LM head. */
    public long nonEmbeddingParameterCount() {
        LlamaConfig c = config();
        long embedding = (long) c.vocabSize() * c.hiddenSize();
        return parameterCount() - (c.tieWordEmbeddings() ? embedding : 2 * embedding);
    }

    /** Bytes the weights take as stored: packed when quantized, else at the compute precision. */
    public long storedBytes() {
        return sizeBreakdown().total().bytes();
    }

    /**
     * Parameters, bytes and bits per weight by part: the token embedding, the LM head, each kind of linear weight
     * over all layers, the norms.
     */
    public SizeBreakdown sizeBreakdown() {
        return SizeBreakdown.of(config(), this::tensorBytes);
    }

    /** Bytes tensor {@code name}, of {@code parameters} values, is stored in. */
    abstract long tensorBytes(String name, long parameters);

    /** How the weights are stored, for display: the precision or the compute type. */
    abstract String storage();

    /** Lets go of the weights now (freed unless another model shares them); this model cannot be used afterwards. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        LlamaConfig c = config();
        return String.format(Locale.ROOT, "Model: %d layers%s, hidden %d, ffn %d, heads %d (kv %d), head_dim %d,"
                        + " vocabulary %d%n  parameters %s (non-embedding %s), %s stored (%s)%n  %s",
                c.numHiddenLayers(), c.sharesLayers() ? " " + c.layerSharing() : "", c.hiddenSize(),
                c.intermediateSize(), c.numAttentionHeads(),
                c.numKeyValueHeads(), c.headDim(), c.vocabSize(), Html.count(parameterCount()),
                Html.count(nonEmbeddingParameterCount()), Html.bytes(storedBytes()), storage(),
                lineage.toString().replace("\n", "\n  "));
    }

    @Override
    public String toHtml() {
        LlamaConfig c = config();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("layers", (c.numHiddenLayers() + " " + c.layerSharing()).strip());
        properties.put("hidden", c.hiddenSize());
        properties.put("ffn", c.intermediateSize());
        properties.put("heads (kv)", c.numAttentionHeads() + " (" + c.numKeyValueHeads() + ")");
        properties.put("head_dim", c.headDim());
        if (!c.exitLayers().isEmpty()) {
            properties.put("early exits after layers", c.exitLayers());
        }
        properties.put("vocabulary", c.vocabSize());
        properties.put("parameters", Html.count(parameterCount()));
        properties.put("non-embedding", Html.count(nonEmbeddingParameterCount()));
        properties.put("stored", Html.bytes(storedBytes()) + " (" + storage() + ")");
        properties.put("device", llama().device());
        return Html.section("Llama model", Html.properties(properties)) + sizeBreakdown().toHtml() + lineage.toHtml();
    }

    // ------------------------------------------------------------------------------------------------ package internals

    /** The runnable weights; valid while this model is reachable and open. */
    Llama llama() {
        return weights.llama();
    }

    SharedWeights weights() {
        return weights;
    }

    Path tokenizerFile() {
        return tokenizer;
    }

    Derivation derivation() {
        return derivation;
    }
}
