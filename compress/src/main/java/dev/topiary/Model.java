package dev.topiary;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.data.PackedBatches;
import dev.topiary.data.Tokenizer;
import dev.topiary.embedded.CacheDirectory;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.embedded.TeacherRecipe;
import dev.topiary.engine.Engines;
import dev.topiary.eval.LanguageModelEvaluation;
import dev.topiary.eval.LanguageModelMetrics;
import dev.topiary.eval.MultipleChoiceResult;
import dev.topiary.eval.MultipleChoiceScorer;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.Overwrite;
import dev.topiary.llama.GenerationOptions;
import dev.topiary.llama.Generator;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.quant.GptqCalibration;
import dev.topiary.quant.ModelQuantizer;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedCheckpoint;
import dev.topiary.quant.QuantizedModel;
import dev.topiary.render.Html;
import dev.topiary.train.BatchSource;
import dev.topiary.train.Objective;
import dev.topiary.train.TokenBatch;
import dev.topiary.train.Trainer;
import dev.topiary.train.TrainingProgress;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A language model and how it came to be: the value the DSL's verbs work on.
 *
 * <pre>{@code
 * Model teacher = Model.embeddedTeacher();
 * Model student = teacher.prune().width(0.5).distill(teacher).quantize(INT8);
 * }</pre>
 *
 * <p>Models are immutable: every verb ({@link #prune()}, {@link #train}, {@link #distill}, {@link #quantize}) returns
 * a new model and leaves its receiver as it was, so re-running a notebook cell is safe. Each model carries its
 * {@link Lineage}: the steps that made it, with their options, seeds, data fingerprints and metrics, which
 * {@link #save} writes beside the weights as a recipe that {@link Lineage#replay()} runs again.
 *
 * <p>Long work reports progress to, and stops when asked by, the calling thread's {@link Monitor}; a cancelled verb
 * throws {@link java.util.concurrent.CancellationException} and leaves every model intact.
 *
 * <p>A model holds its weights in native memory. {@link #close()} frees them at once; a model that is no longer
 * reachable frees them when the garbage collector finds it.
 */
public final class Model implements HtmlRenderable, AutoCloseable {

    private static final Cleaner CLEANER = Cleaner.create();

    private final Llama llama;
    private final QuantizedModel quantized;
    private final Precision precision;
    private final Path tokenizer;
    private final ModelDefaults defaults;
    private final Lineage lineage;
    private final Derivation derivation;
    private final List<TrainingProgress> history;
    private final Cleaner.Cleanable cleanable;

    private Model(Llama llama, QuantizedModel quantized, Precision precision, Path tokenizer, ModelDefaults defaults,
            Lineage lineage, Derivation derivation, List<TrainingProgress> history) {
        this.llama = llama;
        this.quantized = quantized;
        this.precision = precision;
        this.tokenizer = tokenizer;
        this.defaults = defaults;
        this.lineage = lineage;
        this.derivation = derivation;
        this.history = List.copyOf(history);
        this.cleanable = CLEANER.register(this, new Weights(llama, quantized));
    }

    /** What the cleaner frees: it must not refer to the model itself. */
    private record Weights(Llama llama, QuantizedModel quantized) implements Runnable {
        @Override
        public void run() {
            llama.close();
            if (quantized != null) {
                quantized.close();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------- where models start

    /**
     * The embedded default teacher: a tiny Llama-3.1-shaped model pre-trained on the State of the Union corpus (about
     * 7 minutes on 2 CPU cores the first time, then read from the cache). Its descendants default to the embedded
     * corpus for calibration, training and evaluation.
     */
    public static Model embeddedTeacher() {
        return embeddedTeacher(TeacherRecipe.standard());
    }

    /** The embedded teacher of another recipe (architecture, seed, schedule), trained on first use. */
    public static Model embeddedTeacher(TeacherRecipe recipe) {
        Monitor monitor = Monitor.current();
        Path dir = EmbeddedTeacher.obtain(CacheDirectory.root(), recipe,
                p -> monitor.report(progress("teacher pre-training", p)), monitor.cancellation());
        Llama llama = EmbeddedTeacher.load(dir);
        return new Model(llama, null, null, dir.resolve("tokenizer.json"), ModelDefaults.embedded(),
                Lineage.of(new Origin.EmbeddedTeacher(recipe)), Derivation.identity(llama.config()), List.of());
    }

    /**
     * A Hugging Face checkpoint directory (or a quantized one Topiary wrote), on the GPU when there is one. It has
     * no default data: give its verbs a {@link Corpus}, or call {@link #withData}.
     */
    public static Model load(Path dir) {
        return load(dir, "auto");
    }

    /** As {@link #load(Path, String, String)} in the device's default precision. */
    public static Model load(Path dir, String device) {
        return load(dir, device, "auto");
    }

    /**
     * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
     * @param dtype {@code float32}, {@code float16} (GPU only) or {@code auto} (fp32 on the CPU, fp16 on a GPU); a
     *     quantized checkpoint always computes in fp32
     * @throws TopiaryException when the directory is not a loadable checkpoint
     */
    public static Model load(Path dir, String device, String dtype) {
        Device target = Engines.device(device);
        Path tokenizerFile = dir.resolve("tokenizer.json");
        Path tokenizer = Files.isRegularFile(tokenizerFile) ? tokenizerFile : null;
        Lineage lineage = Lineage.of(new Origin.Checkpoint(dir, null));
        if (QuantizedCheckpoint.isQuantized(dir)) {
            QuantizedModel q = QuantizedCheckpoint.load(dir, target);
            Llama llama = q.toLlama();
            return new Model(llama, q, Precision.of(q.scheme()), tokenizer, ModelDefaults.none(), lineage,
                    Derivation.identity(llama.config()), List.of());
        }
        Llama llama = LlamaCheckpoint.load(dir, target, Engines.computeType(target, dtype));
        return new Model(llama, null, null, tokenizer, ModelDefaults.none(), lineage,
                Derivation.identity(llama.config()), List.of());
    }

    /** A freshly initialised model on the CPU (Hugging Face's initialisation, seeded), without data or tokenizer. */
    public static Model random(LlamaConfig config, long seed) {
        Llama llama = Llama.random(config, seed, Device.cpu(), DataType.FLOAT32);
        return new Model(llama, null, null, null, ModelDefaults.none(), Lineage.of(new Origin.Random(config, seed)),
                Derivation.identity(config), List.of());
    }

    /**
     * A freshly initialised model of {@code config} on {@code like}'s device, with {@code like}'s tokenizer and
     * default data: the baseline "same architecture trained from scratch".
     */
    public static Model random(LlamaConfig config, long seed, Model like) {
        Llama llama = Llama.random(config, seed, like.llama.device(), like.llama.dataType());
        return new Model(llama, null, null, like.tokenizer, like.defaults,
                Lineage.of(new Origin.Random(config, seed)), Derivation.identity(config), List.of());
    }

    /**
     * This model (a copy of its weights) with other default data: {@code training} for calibration and training,
     * {@code validation} for {@link #evaluate()}.
     */
    public Model withData(Corpus training, Corpus validation) {
        ModelDefaults changed = new ModelDefaults(training, validation, defaults.learningRate(), false);
        return derived(copyOf(llama), changed, lineage, derivation, List.of());
    }

    // --------------------------------------------------------------------------------------------------------- verbs

    /** Pruning of this model: choose calibration data, then a method (width, depth, sparsity). */
    public Pruning prune() {
        return new Pruning(this, Calibration.defaults());
    }

    /**
     * A copy trained on next-token prediction: fine-tuning, teacher correction, or training from scratch.
     *
     * @throws TopiaryException for a quantized model, or when no data is given and the model has none by default
     */
    public Model train(Training training) {
        requireFloating("train()");
        Training run = training.resolve(this, "train()");
        TrainStep step = new TrainStep(run);
        Llama copy = copyOf(llama);
        try {
            List<TrainingProgress> curve = fit(copy, Objective.LANGUAGE_MODELING, run, "train");
            return derived(copy, defaults, lineage.then(step, trainingMetrics(run, curve)), derivation, curve);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /** Distilled from {@code teacher} with the defaults: Minitron's forward KL on the model's default corpus. */
    public Model distill(Model teacher) {
        return distill(teacher, Distillation.defaults());
    }

    /**
     * A copy of this model (the student) trained to match {@code teacher}'s next-token distributions. Student and
     * teacher may differ in width and depth; they must share a vocabulary and a device.
     *
     * @throws TopiaryException before any work when the vocabularies or devices differ, the student is quantized,
     *     or the options cannot apply (hidden-state loss for a student not pruned from this teacher)
     */
    public Model distill(Model teacher, Distillation distillation) {
        requireFloating("distill()");
        DistillationObjectives.check(teacher, this, distillation);
        Distillation run = distillation.resolve(this);
        Model corrected = run.correctionSteps() > 0
                ? teacher.train(run.training().withSteps(run.correctionSteps())) : null;
        Llama copy = copyOf(llama);
        try {
            Objective loss = DistillationObjectives.build(corrected != null ? corrected : teacher, this, run);
            List<TrainingProgress> curve = fit(copy, loss, run.training(), "distill");
            Map<String, Double> metrics = trainingMetrics(run.training(), curve);
            if (corrected != null) {
                metrics.put("teacher_correction_loss", corrected.lineage.entries().get(
                        corrected.lineage.entries().size() - 1).metrics().get("final_loss"));
            }
            return derived(copy, defaults, lineage.then(new DistillStep(teacher.lineage, run), metrics), derivation,
                    curve);
        } catch (RuntimeException e) {
            copy.close();
            throw e;
        } finally {
            if (corrected != null) {
                corrected.close();
            }
            Reference.reachabilityFence(this);
            Reference.reachabilityFence(teacher);
        }
    }

    /** Quantized by round-to-nearest (INT4 in groups of 128). */
    public Model quantize(Precision precision) {
        return quantize(precision, Quantization.roundToNearest());
    }

    /**
     * The model with every linear weight quantized and stored packed; it computes with the dequantized weights.
     *
     * @throws TopiaryException before any work when the model is already quantized, or an INT4 group size does not
     *     divide every linear layer's input size
     */
    public Model quantize(Precision precision, Quantization quantization) {
        if (quantized != null) {
            throw new TopiaryException("this model is already quantized (" + this.precision + "): quantize the"
                    + " floating-point model it came from");
        }
        QuantScheme scheme = precision.scheme(quantization.groupSize());
        checkGroups(config(), scheme);
        Quantization run = quantization.resolve(this);
        Monitor monitor = Monitor.current();
        monitor.check("quantization");
        QuantizedModel q = run.usesGptq() ? gptq(scheme, run.calibration(), monitor)
                : ModelQuantizer.quantize(llama, scheme);
        try {
            Llama compute = q.toLlama();
            monitor.report(new Progress("quantize", 1, 1, "models", precision.name()));
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("stored_bytes", (double) q.storedBytes());
            metrics.put("fp32_bytes", (double) q.fp32Bytes());
            return new Model(compute, q, precision, tokenizer, defaults,
                    lineage.then(new QuantizeStep(precision, run), metrics), derivation, List.of());
        } catch (RuntimeException e) {
            q.close();
            throw e;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

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
        LanguageModelMetrics metrics = languageModelMetrics("evaluate", data, maxTokens);
        MultipleChoiceResult nextSentence = null;
        if (defaults.nextSentence() && data.isEmbedded() && tokenizer != null) {
            try (Tokenizer t = Tokenizer.load(tokenizer)) {
                nextSentence = MultipleChoiceScorer.score(llama, t, EmbeddedTeacher.nextSentenceTask(),
                        Monitor.current().cancellation());
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
        return languageModelMetrics("loss", data, maxTokens).loss();
    }

    /** Next-token loss and perplexity on {@code data} in windows of 256 tokens, reported as the phase {@code phase}. */
    private LanguageModelMetrics languageModelMetrics(String phase, Corpus data, long maxTokens) {
        Monitor monitor = Monitor.current();
        try (Corpus.Opened opened = data.open()) {
            monitor.report(new Progress(phase, 0, 1, "passes", data.toString()));
            LanguageModelMetrics metrics = LanguageModelEvaluation.evaluate(llama, opened.dataset(),
                    Evaluation.WINDOW_LENGTH, Evaluation.BATCH_SIZE, maxTokens, monitor.cancellation());
            monitor.report(new Progress(phase, 1, 1, "passes", metrics.toString()));
            return metrics;
        } finally {
            Reference.reachabilityFence(this);
        }
    }

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
        if (tokenizer == null) {
            throw new TopiaryException("this model has no tokenizer to turn text into tokens: load it from a directory"
                    + " with tokenizer.json, or make it with Model.random(config, seed, like)");
        }
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            int[] ids = t.encode(prompt);
            int[] generated = Generator.generate(llama, ids, options);
            String warning = Generator.contextLimitWarning(llama.config(), ids.length, generated, options);
            if (warning != null) {
                Monitor.current().report(new Progress("generate", generated.length, options.maxNewTokens(), "tokens",
                        "warning: " + warning));
            }
            return t.decode(generated);
        } finally {
            Reference.reachabilityFence(this);
        }
    }

    /**
     * Writes the model to {@code dir}: a Hugging Face checkpoint (config.json states head_dim) or, when quantized,
     * the packed quantized checkpoint; its tokenizer.json; and its lineage as {@code recipe.json}. The directory
     * appears complete or not at all. An existing directory is replaced only if Topiary wrote it; files the user
     * added to it are kept. A directory Topiary did not write is refused: see {@link #save(Path, Overwrite)}.
     *
     * @return this model, for chaining
     * @throws TopiaryException when {@code dir} is not Topiary's to replace or cannot be written
     */
    public Model save(Path dir) {
        return save(dir, Overwrite.TOPIARY_OUTPUT);
    }

    /**
     * Writes the model to {@code dir} as {@link #save(Path)} does; {@link Overwrite#FORCE} also writes into a
     * directory Topiary did not write, beside its files, keeping every one of them.
     *
     * @return this model, for chaining
     * @throws TopiaryException when {@code dir} is not Topiary's to replace or cannot be written
     */
    public Model save(Path dir, Overwrite overwrite) {
        AtomicDirectory.write(dir, "model", overwrite, tmp -> {
            if (quantized != null) {
                QuantizedCheckpoint.save(quantized, tmp);
            } else {
                LlamaCheckpoint.save(llama, tmp);
            }
            if (tokenizer != null) {
                Files.copy(tokenizer, tmp.resolve("tokenizer.json"));
            }
            lineage.write(tmp.resolve(RECIPE_FILE));
        });
        Reference.reachabilityFence(this);
        return this;
    }

    /** The name of the lineage file {@link #save} writes. */
    public static final String RECIPE_FILE = "recipe.json";

    // ------------------------------------------------------------------------------------------------------ inspection

    public LlamaConfig config() {
        return llama.config();
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

    /** The precision of its packed weights, or null for a floating-point model. */
    public Precision precision() {
        return precision;
    }

    /** The progress of each training step of the verb that made this model (train or distill), else empty. */
    public List<TrainingProgress> history() {
        return history;
    }

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
        if (quantized != null) {
            return quantized.storedBytes();
        }
        return parameterCount() * (llama.dataType() == DataType.FLOAT16 ? 2 : 4);
    }

    /** Frees the weights now; the model cannot be used afterwards. */
    @Override
    public void close() {
        cleanable.clean();
    }

    @Override
    public String toString() {
        return summaryLine() + String.format(Locale.ROOT, "%n  parameters %s (non-embedding %s), %s stored%s%n  %s",
                Html.count(parameterCount()), Html.count(nonEmbeddingParameterCount()), Html.bytes(storedBytes()),
                precision != null ? " (" + precision + ")" : " (" + llama.dataType() + ")",
                lineage.toString().replace("\n", "\n  "));
    }

    @Override
    public String toHtml() {
        LlamaConfig c = config();
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("layers", c.numHiddenLayers());
        properties.put("hidden", c.hiddenSize());
        properties.put("ffn", c.intermediateSize());
        properties.put("heads (kv)", c.numAttentionHeads() + " (" + c.numKeyValueHeads() + ")");
        properties.put("head_dim", c.headDim());
        properties.put("vocabulary", c.vocabSize());
        properties.put("parameters", Html.count(parameterCount()));
        properties.put("non-embedding", Html.count(nonEmbeddingParameterCount()));
        properties.put("stored", Html.bytes(storedBytes()) + (precision != null ? " (" + precision + ")"
                : " (" + llama.dataType() + ")"));
        properties.put("device", llama.device());
        return Html.section("Llama model", Html.properties(properties)) + lineage.toHtml();
    }

    // -------------------------------------------------------------------------------------------- package internals

    /** The runnable weights, for the steps in this package; valid while this model is reachable and open. */
    Llama llama() {
        return llama;
    }

    Derivation derivation() {
        return derivation;
    }

    /** A new floating-point model descending from this one, with {@code next} as its weights. */
    Model derived(Llama next, ModelDefaults defaults, Lineage lineage, Derivation derivation,
            List<TrainingProgress> history) {
        return new Model(next, null, null, tokenizer, defaults, lineage, derivation, history);
    }

    void requireFloating(String verb) {
        if (quantized != null) {
            throw new TopiaryException(verb + " works on floating-point weights and this model is quantized ("
                    + precision + "): apply it before quantizing, or distill with quantization-aware training");
        }
    }

    /** A copy of {@code source}'s weights in a model of its own. */
    static Llama copyOf(Llama source) {
        Map<String, NDArray> copies = new LinkedHashMap<>();
        source.parameters().forEach((name, p) -> copies.put(name, p.duplicate()));
        return Llama.fromParameters(source.config(), copies, "copy of " + source);
    }

    // ------------------------------------------------------------------------------------------------------- helpers

    private List<TrainingProgress> fit(Llama model, Objective objective, Training run, String task) {
        Monitor monitor = Monitor.current();
        try (Corpus.Opened data = run.data().open();
                Trainer trainer = new Trainer(model, objective, run.options())) {
            PackedBatches batches = new PackedBatches(data.dataset(), run.sequenceLength(), run.batchSize(),
                    run.seed());
            return trainer.train(batches, p -> monitor.report(progress(task, p)), monitor.cancellation());
        }
    }

    private static Map<String, Double> trainingMetrics(Training run, List<TrainingProgress> curve) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        int tail = Math.max(1, curve.size() / 10);
        metrics.put("final_loss", curve.subList(curve.size() - tail, curve.size()).stream()
                .mapToDouble(TrainingProgress::loss).average().orElse(Double.NaN));
        metrics.put("tokens", (double) run.totalTokens());
        return metrics;
    }

    private static Progress progress(String task, TrainingProgress p) {
        return new Progress(task, p.step(), p.totalSteps(), "steps",
                String.format(Locale.ROOT, "loss %.4f", p.loss()), p.loss());
    }

    private QuantizedModel gptq(QuantScheme scheme, Calibration calibration, Monitor monitor) {
        try (Corpus.Opened data = calibration.data().open();
                NDManager manager = llama.manager().newSubManager()) {
            BatchSource batches = calibration.batchesOf(data);
            List<NDArray> ids = new ArrayList<>();
            for (int b = 0; b < calibration.batches(); b++) {
                TokenBatch batch = batches.batch(b);
                ids.add(manager.create(batch.inputs(), new Shape(batch.batchSize(), batch.sequenceLength())));
            }
            monitor.report(new Progress("GPTQ calibration", 0, 1, "models", calibration.toString()));
            return GptqCalibration.quantize(llama, scheme, ids);
        }
    }

    /**
     * @throws TopiaryException when {@code scheme} is INT4 with groups that do not divide every linear layer's input
     */
    static void checkGroups(LlamaConfig c, QuantScheme scheme) {
        int group = scheme.groupSize();
        if (group > 0) {
            int[] inputs = {c.hiddenSize(), c.numAttentionHeads() * c.headDim(), c.intermediateSize()};
            for (int in : inputs) {
                if (in % group != 0) {
                    throw new TopiaryException("INT4 groups of " + group + " must divide every linear layer's"
                            + " input size; this model has hidden " + c.hiddenSize() + ", attention "
                            + inputs[1] + " and ffn " + c.intermediateSize() + ": choose a group size that divides"
                            + " all three, e.g. Quantization.roundToNearest().withGroupSize(" + gcd(inputs) + ")");
                }
            }
        }
    }

    private static int gcd(int[] values) {
        int g = 0;
        for (int v : values) {
            g = java.math.BigInteger.valueOf(g).gcd(java.math.BigInteger.valueOf(v)).intValue();
        }
        return g;
    }

    private String summaryLine() {
        LlamaConfig c = config();
        return String.format(Locale.ROOT, "Model: %d layers, hidden %d, ffn %d, heads %d (kv %d), head_dim %d,"
                        + " vocabulary %d", c.numHiddenLayers(), c.hiddenSize(), c.intermediateSize(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.vocabSize());
    }
}
