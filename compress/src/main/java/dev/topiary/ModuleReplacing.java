package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.replace.ReplacementSchedule;
import dev.topiary.replace.ReplacingLoss;
import java.util.Locale;

/**
 * How {@link Model#replaceModules(ModuleReplacing)} makes a compact successor, BERT-of-Theseus's way: the model's
 * layers fall into modules of {@code layersPerModule} consecutive layers, each replaced by one successor layer
 * initialised from the module's first layer; the successor layers train inside the frozen model (the predecessor),
 * each module swapped for its successor layer at random with a rate that rises on a {@link ReplacementSchedule},
 * minimising the next-token loss of that hybrid (or, {@link #withDistillation()}, its forward KL to the predecessor);
 * then the successor alone (embeddings, final norm and head, copied from the predecessor, included) is fine-tuned on
 * the same loss.
 *
 * <p>Immutable; the {@code with}-style methods return a changed copy.
 *
 * @param training the replacing phase's budget, data, learning rate and batches (see {@link Training}); the
 *     fine-tuning phase runs on the same settings for {@code fineTuningSteps}, reading on in the same batch order
 * @param layersPerModule predecessor layers each successor layer replaces, >= 2, dividing the predecessor's layers
 * @param initialRate the replacement rate of the first replacing step
 * @param rateSlope the rate's increase per step, or null for the default: reaching 1 after three quarters of the
 *     replacing steps, so the last quarter trains the successor's layers alone between the frozen embeddings and head
 * @param loss what both phases minimise: the next-token loss (BERT-of-Theseus's task loss) or forward KL to the
 *     predecessor
 * @param fineTuningSteps steps of fine-tuning the successor alone afterwards (0: none)
 * @param seed seeds the replacement draws (the batch order is the training's seed)
 */
public record ModuleReplacing(Training training, int layersPerModule, double initialRate, Double rateSlope,
        ReplacingLoss loss, long fineTuningSteps, long seed) {

    /** One successor layer for each pair of predecessor layers. */
    public static final int DEFAULT_LAYERS_PER_MODULE = 2;

    /** Half the modules replaced at the first step. */
    public static final double DEFAULT_INITIAL_RATE = 0.5;

    /** Steps of fine-tuning the successor alone after the {@value Training#DEFAULT_STEPS} replacing steps. */
    public static final long DEFAULT_FINE_TUNING_STEPS = 50;

    /** The share of the replacing steps after which the default schedule has reached rate 1. */
    public static final double DEFAULT_FULL_REPLACEMENT_AT = 0.75;

    public ModuleReplacing {
        if (training == null || loss == null) {
            throw new TopiaryException("module replacing needs its training settings and its loss");
        }
        if (layersPerModule < 2) {
            throw new TopiaryException("a successor layer replaces a module of at least 2 predecessor layers, got "
                    + layersPerModule);
        }
        if (fineTuningSteps < 0) {
            throw new TopiaryException("fine-tuning steps must be >= 0, got " + fineTuningSteps);
        }
        new ReplacementSchedule(initialRate, rateSlope == null ? 0 : rateSlope); // refuses a rate out of range
    }

    /**
     * Modules of {@value #DEFAULT_LAYERS_PER_MODULE} layers, rate from {@value #DEFAULT_INITIAL_RATE} reaching 1
     * after three quarters of {@link Training#defaults()}'s steps, on the next-token loss, then
     * {@value #DEFAULT_FINE_TUNING_STEPS} steps of fine-tuning, seed 0.
     */
    public static ModuleReplacing defaults() {
        return new ModuleReplacing(Training.defaults(), DEFAULT_LAYERS_PER_MODULE, DEFAULT_INITIAL_RATE, null,
                ReplacingLoss.NEXT_TOKEN, DEFAULT_FINE_TUNING_STEPS, 0);
    }

    /** The defaults with {@code replacing} steps of replacing, then {@code fineTuning} steps of fine-tuning. */
    public static ModuleReplacing steps(long replacing, long fineTuning) {
        return defaults().withTraining(Training.steps(replacing)).withFineTuning(fineTuning);
    }

    public ModuleReplacing withTraining(Training t) {
        return new ModuleReplacing(t, layersPerModule, initialRate, rateSlope, loss, fineTuningSteps, seed);
    }

    public ModuleReplacing withData(Corpus corpus) {
        return withTraining(training.withData(corpus));
    }

    public ModuleReplacing withLearningRate(double peak) {
        return withTraining(training.withLearningRate(peak));
    }

    public ModuleReplacing withBatch(int sequences, int length) {
        return withTraining(training.withBatch(sequences, length));
    }

    public ModuleReplacing withLayersPerModule(int layers) {
        return new ModuleReplacing(training, layers, initialRate, rateSlope, loss, fineTuningSteps, seed);
    }

    /** The first step's replacement rate; the slope stays as it was (by default, reaching 1 at three quarters). */
    public ModuleReplacing withInitialRate(double rate) {
        return new ModuleReplacing(training, layersPerModule, rate, rateSlope, loss, fineTuningSteps, seed);
    }

    /** The schedule {@code min(1, initialRate + slope * t)} in place of the default. */
    public ModuleReplacing withSchedule(double initial, double slope) {
        return new ModuleReplacing(training, layersPerModule, initial, slope, loss, fineTuningSteps, seed);
    }

    public ModuleReplacing withFineTuning(long steps) {
        return new ModuleReplacing(training, layersPerModule, initialRate, rateSlope, loss, steps, seed);
    }

    public ModuleReplacing withSeed(long s) {
        return new ModuleReplacing(training, layersPerModule, initialRate, rateSlope, loss, fineTuningSteps, s);
    }

    /**
     * Both phases on forward KL(predecessor || model) at temperature 1 instead of the next-token loss: the predecessor
     * teaches as in {@link Model#distill}, at the cost of one more predecessor pass per step.
     */
    public ModuleReplacing withDistillation() {
        return new ModuleReplacing(training, layersPerModule, initialRate, rateSlope, ReplacingLoss.PREDECESSOR_KL,
                fineTuningSteps, seed);
    }

    /** The replacement rate's schedule over the replacing steps. */
    public ReplacementSchedule schedule() {
        return rateSlope != null ? new ReplacementSchedule(initialRate, rateSlope)
                : ReplacementSchedule.reachingOneAt(initialRate,
                        (long) Math.ceil(DEFAULT_FULL_REPLACEMENT_AT * training.totalSteps()));
    }

    /** The fine-tuning phase's settings: the replacing phase's, for {@link #fineTuningSteps()} steps. */
    Training fineTuning() {
        return training.withSteps(fineTuningSteps);
    }

    /**
     * @throws TopiaryException when a predecessor of {@code config}'s layers does not fall into modules of
     *     {@link #layersPerModule()} layers
     */
    void checkPredecessor(LlamaConfig config) {
        int layers = config.numHiddenLayers();
        if (layers % layersPerModule != 0) {
            throw new TopiaryException("module replacing groups the model's " + layers + " layers into modules of "
                    + layersPerModule + ", but " + layersPerModule + " does not divide " + layers
                    + ": choose layers per module that do (withLayersPerModule)");
        }
    }

    /** These settings with the model's defaults filled in and the schedule's slope fixed, as a recipe records them. */
    ModuleReplacing resolve(ModelDefaults predecessor) {
        ModuleReplacing resolved = withTraining(training.resolve(predecessor, "replaceModules()"));
        return resolved.withSchedule(initialRate, resolved.schedule().slope());
    }

    ObjectNode toJson() {
        ObjectNode json = training.toJson();
        json.put("layers_per_module", layersPerModule).put("initial_rate", initialRate).put("rate_slope", rateSlope)
                .put("loss", loss.name().toLowerCase(Locale.ROOT)).put("fine_tuning_steps", fineTuningSteps)
                .put("replacement_seed", seed);
        return json;
    }

    static ModuleReplacing fromJson(JsonNode json) {
        return new ModuleReplacing(Training.fromJson(json), json.path("layers_per_module").asInt(),
                json.path("initial_rate").asDouble(), json.path("rate_slope").asDouble(),
                loss(json.path("loss").asText()),
                json.path("fine_tuning_steps").asLong(), json.path("replacement_seed").asLong());
    }

    private static ReplacingLoss loss(String name) {
        try {
            return ReplacingLoss.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new TopiaryException("unknown module-replacing loss '" + name + "' in recipe: expected next_token or"
                    + " predecessor_kl");
        }
    }

    @Override
    public String toString() {
        return "one layer per " + layersPerModule + ", " + (rateSlope != null ? schedule().toString()
                : "replacement rate from " + initialRate + " to 1 at " + DEFAULT_FULL_REPLACEMENT_AT
                        + " of the steps")
                + ", draws seed " + seed + (loss == ReplacingLoss.PREDECESSOR_KL ? ", KL to the predecessor" : "")
                + ", then " + fineTuningSteps + " steps alone; " + training;
    }
}
