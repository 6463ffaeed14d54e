package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One verb applied to a model, with every option that decided its result (data, seeds, budgets) resolved: an entry
 * of a {@link Lineage}, and a line of a recipe file. One record per method; each owns how it is applied and its JSON
 * form, and is registered by {@link #name()} in {@link StepRegistry} so that a recipe replays as
 * {@code step.apply(model, replay)}.
 */
public sealed interface Step permits PruneStep, ShareLayers, TrainStep, DistillStep, ReplaceModules, SmoothQuant,
        OutlierChannels, AddExits, QuantizeStep {

    /** The verb: prune, share, train, distill, replace, smooth, outliers, exit or quantize. */
    String verb();

    /** The name the step is registered and recorded under: the verb, then the method where a verb has several. */
    default String name() {
        return verb();
    }

    /** The step as a recipe records it, {@code "verb"} (and {@code "method"}) included. */
    ObjectNode toJson();

    /**
     * Applies the step to {@code model}, as replaying a recipe does; {@code replay} makes any other model the step
     * names (a distillation's teacher).
     */
    LanguageModel apply(Model model, Replay replay);

    /** The metrics this kind of step records, read back from a recipe. */
    StepMetrics metricsFromJson(JsonNode json);
}
