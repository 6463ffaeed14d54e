package dev.topiary;

import dev.topiary.llama.LlamaConfig;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * How {@link Model#withExits(EarlyExit)} adds early-exit off-ramps: after which layers, and how long they train.
 *
 * <p>Immutable; the {@code with}-style methods return a changed copy.
 *
 * @param layers the layers (0-based) an off-ramp follows, or null for every layer but the last
 * @param training the ramps' self-distillation budget and data (data unset: the model's default corpus)
 */
public record EarlyExit(List<Integer> layers, Training training) {

    /** Optimizer steps of {@link #defaults()}: the ramps are a few norm weights and learn quickly. */
    public static final long DEFAULT_STEPS = 50;

    public EarlyExit {
        layers = layers == null ? null : List.copyOf(layers);
        if (layers != null && layers.isEmpty()) {
            throw new TopiaryException("early exit needs at least one layer to place an off-ramp after");
        }
    }

    /** A ramp after every layer but the last, trained {@value #DEFAULT_STEPS} steps on the model's default corpus. */
    public static EarlyExit defaults() {
        return new EarlyExit(null, Training.steps(DEFAULT_STEPS));
    }

    /** Ramps after exactly these layers (0-based, increasing, each before the last layer). */
    public EarlyExit withLayers(int... ramps) {
        return new EarlyExit(Arrays.stream(ramps).boxed().toList(), training);
    }

    public EarlyExit withTraining(Training t) {
        return new EarlyExit(layers, t);
    }

    public EarlyExit withSteps(long steps) {
        return withTraining(training.withSteps(steps));
    }

    public EarlyExit withData(Corpus corpus) {
        return withTraining(training.withData(corpus));
    }

    /** The step these options make for a model of {@code config} whose defaults are {@code defaults}. */
    AddExits resolve(LlamaConfig config, ModelDefaults defaults) {
        List<Integer> ramps = layers != null ? layers
                : IntStream.range(0, config.numHiddenLayers() - 1).boxed().toList();
        return new AddExits(ramps, training.resolve(defaults, "withExits()"));
    }

    @Override
    public String toString() {
        return "off-ramps after " + (layers == null ? "every layer but the last" : "layers " + layers) + ", "
                + training;
    }
}
