package dev.topiary;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import dev.topiary.embedded.CacheDirectory;
import dev.topiary.embedded.EmbeddedTeacher;
import dev.topiary.embedded.TeacherRecipe;
import dev.topiary.embedded.TeacherReport;
import dev.topiary.engine.Engines;
import dev.topiary.gguf.GgmlType;
import dev.topiary.io.Overwrite;
import dev.topiary.llama.LayerSharing;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaCheckpoint;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.quant.QuantScheme;
import dev.topiary.quant.QuantizedCheckpoint;
import dev.topiary.train.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A floating-point language model and how it came to be: the value the DSL's compression verbs work on.
 *
 * <pre>{@code
 * Model teacher = Model.embeddedTeacher();
 * QuantizedModel student = teacher.prune().width(0.5).distill(teacher).quantize(INT8);
 * }</pre>
 *
 * <p>Every verb ({@link #prune()}, {@link #share}, {@link #train}, {@link #distill}, {@link #replaceModules},
 * {@link #smooth}, {@link #withExits}, {@link #quantize}) builds a {@link Step} record, applies it and returns a new
 * model, leaving its receiver as it was, so re-running a notebook cell is safe.
 * Quantizing ends the chain: a {@link QuantizedModel} evaluates, generates and saves, but is not pruned or trained.
 *
 * <p>Long work reports progress to, and stops when asked by, the calling thread's {@link Monitor}; a cancelled verb
 * throws {@link java.util.concurrent.CancellationException} and leaves every model intact.
 */
public final class Model extends LanguageModel {

    private final List<TrainingProgress> history;

    Model(SharedWeights weights, Path tokenizer, ModelDefaults defaults, Lineage lineage, Derivation derivation,
            List<TrainingProgress> history) {
        super(weights, tokenizer, defaults, lineage, derivation);
        this.history = List.copyOf(history);
    }

    private static Model of(Llama llama, Path tokenizer, ModelDefaults defaults, Lineage lineage) {
        return new Model(new SharedWeights(llama, null), tokenizer, defaults, lineage,
                Derivation.identity(llama.config()), List.of());
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
        Path dir = embeddedTeacherDirectory(recipe);
        return of(EmbeddedTeacher.load(dir), dir.resolve("tokenizer.json"), ModelDefaults.embedded(),
                Lineage.of(new Origin.EmbeddedTeacher(recipe)));
    }

    /**
     * What the embedded teacher of {@code recipe} measured when it was pre-trained: validation perplexity, the
     * unigram baseline on the same speeches, next-sentence accuracy. Pre-trains it first when the cache does not
     * hold it yet.
     */
    public static TeacherReport embeddedTeacherReport(TeacherRecipe recipe) {
        return EmbeddedTeacher.report(embeddedTeacherDirectory(recipe));
    }

    // The cache entry of the embedded teacher of `recipe`, pre-trained first (with progress) when it is missing.
    private static Path embeddedTeacherDirectory(TeacherRecipe recipe) {
        Monitor monitor = Monitor.current();
        return EmbeddedTeacher.obtain(CacheDirectory.root(), recipe,
                p -> monitor.report(Fitting.progress("teacher pre-training", p)), monitor.cancellation());
    }

    /**
     * A Hugging Face checkpoint directory, on the GPU when there is one. It has no default data: give its verbs a
     * {@link Corpus}, or call {@link #withData}. A quantized checkpoint is read by {@link QuantizedModel#load}.
     */
    public static Model load(Path dir) {
        return load(dir, "auto", "auto");
    }

    /** As {@link #load(Path, String, String)} in the device's default precision. */
    public static Model load(Path dir, String device) {
        return load(dir, device, "auto");
    }

    /**
     * @param device {@code auto}, {@code cpu}, {@code gpu} or {@code gpu:N}
     * @param dtype {@code float32}, {@code float16} (GPU only) or {@code auto} (fp32 on the CPU, fp16 on a GPU)
     * @throws TopiaryException when the directory is not a loadable checkpoint, or holds a quantized one
     */
    public static Model load(Path dir, String device, String dtype) {
        if (QuantizedCheckpoint.isQuantized(dir)) {
            throw new TopiaryException(dir + " holds a quantized checkpoint, which is not pruned or trained further:"
                    + " load it with QuantizedModel.load(dir), or LanguageModel.load(dir) for either kind");
        }
        Device target = Engines.device(device);
        Llama llama = LlamaCheckpoint.load(dir, target, Engines.computeType(target, dtype));
        Lineage lineage = Lineage.ofCheckpoint(dir);
        return of(llama, tokenizerIn(dir), ModelDefaults.of(lineage), lineage);
    }

    /** {@code dir/tokenizer.json}, or null when there is none. */
    static Path tokenizerIn(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        return Files.isRegularFile(file) ? file : null;
    }

    /** A freshly initialised model on the CPU (Hugging Face's initialisation, seeded), without data or tokenizer. */
    public static Model random(LlamaConfig config, long seed) {
        return of(Llama.random(config, seed, Device.cpu(), DataType.FLOAT32), null, ModelDefaults.none(),
                Lineage.of(new Origin.Random(config, seed)));
    }

    /**
     * A freshly initialised model of {@code config} on {@code like}'s device, with {@code like}'s tokenizer and
     * default data: the baseline "same architecture trained from scratch".
     */
    public static Model random(LlamaConfig config, long seed, LanguageModel like) {
        return of(Llama.random(config, seed, like.llama().device(), like.llama().dataType()), like.tokenizerFile(),
                like.defaults(), Lineage.of(new Origin.Random(config, seed)));
    }

    /**
     * This model with other default data: {@code training} for calibration and training, {@code validation} for
     * {@link #evaluate()}. The two models share their weights; neither copies them.
     */
    public Model withData(Corpus training, Corpus validation) {
        return new Model(weights(), tokenizerFile(), defaults().withData(training, validation), lineage(),
                derivation(), history);
    }

    // --------------------------------------------------------------------------------------------------------- verbs

    /**
     * Pruning of this model: choose a method (width, depth, sparsity), or first the calibration data.
     *
     * @throws TopiaryException when the model's layers share weights ({@link #share}): prune before sharing
     */
    public Pruning prune() {
        return new Pruning(this);
    }

    /**
     * A copy whose layers share {@code blocks} blocks of weights in the {@code cycle} pattern (layer {@code i} uses
     * block {@code i mod blocks}), each block initialised from the first layer that uses it; distil it from this
     * model next. See {@link #share(String, int)}.
     *
     * @throws TopiaryException when {@code blocks} is not between 1 and the number of layers, or the layers already
     *     share weights
     */
    public Model share(int blocks) {
        return share(LayerSharing.Pattern.CYCLE.id(), blocks);
    }

    /**
     * A copy whose layers share {@code blocks} blocks of weights laid out by {@code pattern}: {@code cycle} (layer
     * {@code i} uses block {@code i mod blocks}) or {@code adjacent} (consecutive groups of {@code layers / blocks}
     * layers share one block). Each block starts as a copy of the first layer that uses it (layer {@code b} for
     * cycle, layer {@code b * layers / blocks} for adjacent). Parameter counts and bytes count each block once;
     * {@link #save} keeps the sharing ({@code layer_blocks} in config.json, one copy of each block), and
     * {@link #export} and {@link #saveExpanded} write every layer's weights. The shared model is not pruned further,
     * replaced by modules, smoothed, given outlier channels, nor quantized by GPTQ: each of those treats a layer's
     * weights as its own (round-to-nearest works).
     *
     * @throws TopiaryException when the pattern is unknown, {@code blocks} is not between 1 and the number of layers,
     *     the adjacent pattern's blocks do not divide the layers, or the layers already share weights
     */
    public Model share(String pattern, int blocks) {
        return ShareLayers.of(pattern, blocks).apply(this);
    }

    /**
     * A copy trained on next-token prediction: fine-tuning, teacher correction, or training from scratch.
     *
     * @throws TopiaryException when no data is given and the model has none by default
     */
    public Model train(Training training) {
        return new TrainStep(training.resolve(defaults(), "train()")).apply(this);
    }

    /** Distilled from {@code teacher} with the defaults: Minitron's forward KL on the model's default corpus. */
    public Model distill(Model teacher) {
        return distill(teacher, Distillation.defaults());
    }

    /**
     * A copy of this model (the student) trained to match {@code teacher}'s next-token distributions. Student and
     * teacher may differ in width and depth; they must share a vocabulary and a device.
     *
     * @throws TopiaryException before any work when the vocabularies or devices differ, or the options cannot apply
     *     (hidden-state loss for a student not pruned from this teacher)
     */
    public Model distill(Model teacher, Distillation distillation) {
        DistillationObjectives.check(teacher, this, distillation);
        return new DistillStep(teacher.lineage(), distillation.resolve(defaults())).apply(this, teacher);
    }

    /**
     * A successor with one layer for each pair of this model's layers, made by module replacing with the defaults
     * ({@link ModuleReplacing#defaults()}) on the model's default corpus.
     */
    public Model replaceModules() {
        return replaceModules(ModuleReplacing.defaults());
    }

    /**
     * A compact successor of this model (the predecessor) made by module replacing, BERT-of-Theseus's way: one layer
     * per module of {@code replacing.layersPerModule()} layers, each initialised from its module's first layer,
     * trained while the frozen predecessor's modules are swapped for them at a rising rate, then fine-tuned alone.
     *
     * @throws TopiaryException before any work when the layers do not fall into whole modules, or no data is given
     *     and the model has none by default
     */
    public Model replaceModules(ModuleReplacing replacing) {
        replacing.checkPredecessor(config());
        return new ReplaceModules(replacing.resolve(defaults())).apply(this);
    }

    /** SmoothQuant's migration with its defaults: alpha 0.5, calibrated on the model's default corpus. */
    public Model smooth() {
        return smooth(SmoothQuant.defaults());
    }

    /**
     * A copy that computes the same function with its activation outliers moved into the weights, for W8A8
     * quantization ({@link SmoothQuant}): {@code smooth().quantize(RoundToNearest.of(INT8)
     * .withActivations(ActivationScheme.INT8))}.
     *
     * @throws TopiaryException before any work when no data is given and the model has none by default
     */
    public Model smooth(SmoothQuant smoothing) {
        return smoothing.resolve(defaults()).apply(this);
    }

    /**
     * A copy that computes the same function with activation outliers planted: hidden {@code channels} enter every
     * q/k/v and gate/up projection {@code factor} times larger, their weights {@code factor} times smaller, as in
     * large language models ({@link OutlierChannels}). For teaching what {@link #smooth} undoes.
     *
     * @throws TopiaryException when a channel is outside the hidden size or the factor is not positive
     */
    public Model withOutlierChannels(double factor, int... channels) {
        return new OutlierChannels(java.util.Arrays.stream(channels).boxed().toList(), factor).apply(this);
    }

    /**
     * A copy with early-exit off-ramps after every layer but the last, trained {@value EarlyExit#DEFAULT_STEPS} steps
     * on the model's default corpus: see {@link #withExits(EarlyExit)}.
     */
    public Model withExits() {
        return withExits(EarlyExit.defaults());
    }

    /**
     * A copy with early-exit off-ramps ({@link AddExits}): after each chosen layer its own RMSNorm (started as a
     * copy of the final norm) and the shared LM head, trained by distillation from the model's own final
     * distribution with every other weight frozen. The model's own forward pass is unchanged; {@link #exiting}
     * decodes leaving at the first confident ramp. Prune first, then add exits: pruning refuses a model with ramps.
     *
     * @throws TopiaryException before any work when a layer cannot take a ramp (the last, repeated, out of order),
     *     the model has ramps already, or no data is given and the model has none by default
     */
    public Model withExits(EarlyExit exits) {
        return exits.resolve(config(), defaults()).apply(this);
    }

    /**
     * This model decoding with early exit: each token leaves at the first off-ramp whose largest next-token
     * probability reaches {@code threshold} ({@link ExitingModel#NEVER} for the full model).
     *
     * @throws TopiaryException when the model has no off-ramps, or the threshold is NaN or negative
     */
    public ExitingModel exiting(double threshold) {
        return new ExitingModel(this, threshold);
    }

    /**
     * Early exit measured at each of {@code thresholds} ({@link ExitSweep}): layers run per token, loss on up to
     * {@code maxTokens} predicted tokens of {@code data} and decoding speed, and accuracy on the first
     * {@code nextSentenceItems} items of the embedded next-sentence task (0: not measured; each item decodes its
     * four choices one token at a time, so a few dozen items take seconds on the embedded teacher).
     *
     * @throws TopiaryException when the model has no off-ramps or a threshold is NaN or negative
     */
    public ExitSweep exitSweep(Corpus data, long maxTokens, int nextSentenceItems, double... thresholds) {
        return ExitSweep.measure(this, data, maxTokens, nextSentenceItems, thresholds);
    }

    /** Quantized by round-to-nearest in {@code precision}'s default scheme (INT4 in groups of 128). */
    public QuantizedModel quantize(Precision precision) {
        return quantize(RoundToNearest.of(precision));
    }

    /** Quantized by round-to-nearest in {@code scheme}, e.g. {@code QuantScheme.int4(32)}. */
    public QuantizedModel quantize(QuantScheme scheme) {
        return quantize(new RoundToNearest(scheme));
    }

    /**
     * The model with every linear weight quantized as {@code method} says ({@link RoundToNearest}, or {@link Gptq}
     * calibrated on the model's default corpus unless given data), stored packed; it computes with the dequantized
     * weights.
     *
     * <p>INT4's default groups of 128 ({@code quantize(INT4)}, {@code Gptq.of(INT4)}) become the largest power-of-two
     * group that divides every linear layer's input size when 128 does not, e.g. 32 for a student pruned to hidden
     * 160; the quantized model and its recipe show the group used.
     *
     * @throws TopiaryException before any work when a scheme's groups do not divide every linear layer's input size,
     *     or GPTQ has no data
     */
    public QuantizedModel quantize(QuantizeStep method) {
        return method.resolve(defaults()).fittedTo(config()).apply(this);
    }

    /**
     * Writes the model as {@link #save(Path)} does, but as an ordinary Hugging Face Llama checkpoint that transformers
     * loads: when the layers share blocks, each block is copied into every layer that uses it and config.json has no
     * {@code layer_blocks}, so the files hold more parameters than the model, as the result says. The recipe beside
     * them makes the shared model again, whose logits these weights give.
     *
     * @throws TopiaryException when {@code dir} is not Topiary's to replace or cannot be written
     */
    public ExpandedCheckpoint saveExpanded(Path dir) {
        return saveExpanded(dir, Overwrite.TOPIARY_OUTPUT);
    }

    /** As {@link #saveExpanded(Path)}; {@link Overwrite#FORCE} writes into a directory Topiary did not write. */
    public ExpandedCheckpoint saveExpanded(Path dir, Overwrite overwrite) {
        try (Llama expanded = LayerSharing.expand(llama())) {
            save(dir, overwrite, tmp -> LlamaCheckpoint.save(expanded, tmp));
            LlamaConfig c = config();
            return new ExpandedCheckpoint(dir, c.numHiddenLayers(), c.sharesLayers() ? c.numBlocks() : 0,
                    expanded.parameterCount(), parameterCount());
        }
    }

    // ------------------------------------------------------------------------------------------------------ inspection

    /**
     * The progress of each training step of the verb that made this model (train, distill, or replaceModules: its
     * replacing steps, then its fine-tuning steps), else empty.
     */
    public List<TrainingProgress> history() {
        return history;
    }

    @Override
    long tensorBytes(String name, long parameters) {
        return parameters * (llama().dataType() == DataType.FLOAT16 ? 2 : 4);
    }

    @Override
    String storage() {
        return llama().dataType().toString();
    }

    /** Any type holds a floating-point model: the matrices are rounded to it as they are written. */
    @Override
    void checkExact(GgmlType type) {}

    @Override
    void writeWeights(Path dir) {
        LlamaCheckpoint.save(llama(), dir);
    }

    // -------------------------------------------------------------------------------------------- package internals

    /**
     * Refuses {@code verb} on a model with early-exit off-ramps: pruning, sharing and module replacing would change
     * the layers the ramps follow, and training the trunk would leave the ramps trained for another model.
     *
     * @throws TopiaryException when the model has off-ramps
     */
    void checkNoExits(String verb) {
        if (!config().exitLayers().isEmpty()) {
            throw new TopiaryException("this model has early-exit off-ramps after layers " + config().exitLayers()
                    + ", which " + verb + " does not carry: " + verb + " first, then add exits with withExits()");
        }
    }

    /** A new model descending from this one by {@code step}, with {@code next} as its weights (now the model's). */
    Model derived(Llama next, Step step, StepMetrics metrics, Derivation derivation, List<TrainingProgress> history) {
        return new Model(new SharedWeights(next, null), tokenizerFile(), defaults(),
                lineage().then(step, metrics), derivation, history);
    }
}
