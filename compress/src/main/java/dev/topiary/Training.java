package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.train.LearningRateSchedule;
import dev.topiary.train.TrainingOptions;

/**
 * How long and on what a model trains, for {@link Model#train} (fine-tuning, teacher correction, training from
 * scratch) and as the schedule of {@link Distillation}: AdamW with linear warm-up and cosine decay to a tenth of the
 * peak learning rate.
 *
 * <p>Immutable; the {@code with}-style methods return a changed copy. Left unset, the data and the peak learning
 * rate are the model's defaults ({@link Model#defaults()}), resolved when the step runs and recorded in its lineage.
 *
 * @param data the training tokens, or null for the model's default corpus
 * @param steps optimizer steps, or 0 when the budget is {@code tokens}
 * @param tokens the budget in tokens (rounded down to whole steps), or 0 when it is {@code steps}
 * @param learningRate peak learning rate, or null for the model's default
 * @param warmupFraction share of the steps spent warming up, in [0, 1)
 * @param batchSize sequences per step
 * @param sequenceLength tokens per sequence
 * @param seed orders the batches
 */
public record Training(Corpus data, long steps, long tokens, Double learningRate, double warmupFraction,
        int batchSize, int sequenceLength, long seed) {

    /** Steps when neither a step nor a token budget is given. */
    public static final long DEFAULT_STEPS = 100;

    /** Sequences per optimizer step of {@link #defaults()}. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** Tokens per sequence of {@link #defaults()}. */
    public static final int DEFAULT_SEQUENCE_LENGTH = 256;

    /** Share of the steps {@link #defaults()} spends warming the learning rate up. */
    public static final double DEFAULT_WARMUP_FRACTION = 0.05;

    public Training {
        if (steps < 0 || tokens < 0 || (steps > 0 && tokens > 0)) {
            throw new TopiaryException("a training budget is a number of steps or of tokens, not both; got steps "
                    + steps + ", tokens " + tokens);
        }
        if (learningRate != null && !(learningRate > 0)) {
            throw new TopiaryException("the learning rate must be positive, got " + learningRate);
        }
        if (!(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new TopiaryException("the warm-up fraction must be in [0, 1), got " + warmupFraction);
        }
        if (batchSize < 1 || sequenceLength < 2) {
            throw new TopiaryException("training needs a batch size >= 1 and a sequence length >= 2, got "
                    + batchSize + " and " + sequenceLength);
        }
    }

    /**
     * {@value #DEFAULT_STEPS} steps of {@value #DEFAULT_BATCH_SIZE} x {@value #DEFAULT_SEQUENCE_LENGTH} tokens, 5%
     * warm-up, seed 0, the model's data and learning rate.
     */
    public static Training defaults() {
        return new Training(null, DEFAULT_STEPS, 0, null, DEFAULT_WARMUP_FRACTION, DEFAULT_BATCH_SIZE,
                DEFAULT_SEQUENCE_LENGTH, 0);
    }

    /** The defaults with a budget of {@code n} optimizer steps. */
    public static Training steps(long n) {
        return defaults().withSteps(n);
    }

    /** The defaults with a budget of {@code n} tokens. */
    public static Training tokens(long n) {
        return defaults().withTokens(n);
    }

    public Training withSteps(long n) {
        if (n < 1) {
            throw new TopiaryException("a training budget needs at least one step, got " + n);
        }
        return new Training(data, n, 0, learningRate, warmupFraction, batchSize, sequenceLength, seed);
    }

    public Training withTokens(long n) {
        if (n < 1) {
            throw new TopiaryException("a training budget needs at least one token, got " + n);
        }
        return new Training(data, 0, n, learningRate, warmupFraction, batchSize, sequenceLength, seed);
    }

    public Training withData(Corpus corpus) {
        return new Training(corpus, steps, tokens, learningRate, warmupFraction, batchSize, sequenceLength, seed);
    }

    public Training withLearningRate(double peak) {
        return new Training(data, steps, tokens, peak, warmupFraction, batchSize, sequenceLength, seed);
    }

    public Training withWarmup(double fraction) {
        return new Training(data, steps, tokens, learningRate, fraction, batchSize, sequenceLength, seed);
    }

    public Training withBatch(int sequences, int length) {
        return new Training(data, steps, tokens, learningRate, warmupFraction, sequences, length, seed);
    }

    public Training withSeed(long s) {
        return new Training(data, steps, tokens, learningRate, warmupFraction, batchSize, sequenceLength, s);
    }

    /** Optimizer steps this budget comes to. */
    public long totalSteps() {
        if (steps > 0) {
            return steps;
        }
        long perStep = (long) batchSize * sequenceLength;
        if (tokens < perStep) {
            throw new TopiaryException("a budget of " + tokens + " tokens is less than one batch of " + batchSize
                    + " x " + sequenceLength + " tokens");
        }
        return tokens / perStep;
    }

    /** Tokens the run reads. */
    public long totalTokens() {
        return totalSteps() * batchSize * sequenceLength;
    }

    /** These settings with the model's defaults filled in where they were left unset. */
    Training resolve(ModelDefaults defaults, String verb) {
        Corpus corpus = data != null ? data : defaults.trainingData(verb);
        double lr = learningRate != null ? learningRate : defaults.learningRate();
        return new Training(corpus, totalSteps(), 0, lr, warmupFraction, batchSize, sequenceLength, seed);
    }

    /** The trainer's options: AdamW, warm-up, cosine decay to a tenth of the peak. */
    TrainingOptions options() {
        long total = totalSteps();
        double peak = learningRate;
        return TrainingOptions.of(new LearningRateSchedule(peak, peak / 10, Math.round(total * warmupFraction), total),
                batchSize, sequenceLength);
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.set("data", data.toJson());
        json.put("steps", totalSteps()).put("learning_rate", learningRate).put("warmup_fraction", warmupFraction)
                .put("batch_size", batchSize).put("sequence_length", sequenceLength).put("seed", seed);
        return json;
    }

    static Training fromJson(JsonNode json) {
        return new Training(Corpus.fromJson(json.path("data")), json.path("steps").asLong(), 0,
                json.path("learning_rate").asDouble(), json.path("warmup_fraction").asDouble(),
                json.path("batch_size").asInt(), json.path("sequence_length").asInt(), json.path("seed").asLong());
    }

    @Override
    public String toString() {
        String budget = steps > 0 ? steps + " steps" : tokens + " tokens";
        return budget + " of " + batchSize + " x " + sequenceLength + " tokens, peak lr "
                + (learningRate != null ? learningRate : "default") + ", data "
                + (data != null ? data : "default") + ", seed " + seed;
    }
}
