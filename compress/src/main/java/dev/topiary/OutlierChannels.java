package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.quant.Smoothing;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Planted activation outliers ({@link Model#withOutlierChannels}), for teaching {@link SmoothQuant}: the same function,
 * with the chosen hidden channels entering every q/k/v and gate/up projection {@code factor} times larger and the
 * weights reading them {@code factor} times smaller, as the outlier channels of large language models are (see
 * {@link Smoothing#withOutlierChannels}).
 *
 * @param channels the hidden channels made large
 * @param factor how much larger they enter the projections
 */
public record OutlierChannels(List<Integer> channels, double factor) implements Step {

    public OutlierChannels {
        channels = List.copyOf(channels);
        if (channels.isEmpty()) {
            throw new TopiaryException("planting outliers needs at least one channel");
        }
    }

    @Override
    public String verb() {
        return "outliers";
    }

    @Override
    public Model apply(Model model, Replay replay) {
        return apply(model);
    }

    /** The copy of {@code model} with these outlier channels. */
    public Model apply(Model model) {
        Monitor.current().check("planting outlier channels");
        try {
            int[] planted = channels.stream().mapToInt(Integer::intValue).toArray();
            return model.derived(Smoothing.withOutlierChannels(model.llama(), planted, (float) factor), this,
                    new StepMetrics.Unmeasured(), model.derivation(), List.of());
        } finally {
            Reference.reachabilityFence(model);
        }
    }

    @Override
    public ObjectNode toJson() {
        ObjectNode json = Json.object("verb", verb());
        ArrayNode list = json.putArray("channels");
        channels.forEach(list::add);
        return json.put("factor", factor);
    }

    static OutlierChannels fromJson(JsonNode json) {
        List<Integer> channels = new ArrayList<>();
        json.path("channels").forEach(c -> channels.add(c.asInt()));
        return new OutlierChannels(channels, json.path("factor").asDouble(Double.NaN));
    }

    @Override
    public StepMetrics metricsFromJson(JsonNode json) {
        return new StepMetrics.Unmeasured();
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "plant outliers: hidden channels %s enter the projections %s times larger",
                channels, factor);
    }
}
