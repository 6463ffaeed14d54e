package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Monitor;
import dev.topiary.Progress;
import dev.topiary.engine.Precision32;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Measures what Wanda scores weights by: for every linear weight, the L2 norm of each of its input channels over
 * all calibration tokens, {@code ||X_j||_2}. The four inputs of a layer are the attention's normed input (q, k, v),
 * the concatenated heads (o), the MLP's normed input (gate, up) and the gated activations (down).
 */
public final class InputNorms {

    private InputNorms() {}

    /**
     * @param count calibration batches 0 .. count - 1 are read
     * @return one {@code [in]} vector per linear weight name, attached to {@code target}
     * @throws dev.topiary.TopiaryException when the model's layers share weights: a shared block has the inputs of
     *     several layers
     */
    public static Map<String, NDArray> measure(Llama model, BatchSource batches, int count, Monitor monitor,
            NDManager target) {
        model.config().checkUnshared("measuring the input norms of each layer's weights");
        if (count <= 0) {
            throw new IllegalArgumentException("measuring input norms needs at least one calibration batch");
        }
        int layers = model.config().numHiddenLayers();
        Map<Integer, Map<Site, NDArray>> squares = new LinkedHashMap<>();
        try (NDManager sums = model.manager().newSubManager()) {
            ActivationObserver observer = (layer, site, activation) -> {
                if (site == Site.LAYER_INPUT || site == Site.LAYER_OUTPUT) {
                    return;
                }
                long channels = activation.getShape().get(activation.getShape().dimension() - 1);
                NDArray batchSum = Precision32.widen(activation).reshape(-1, channels).square().sum(new int[] {0});
                NDScope.unregister(batchSum);
                batchSum.attach(sums);
                Map<Site, NDArray> layerSums = squares.computeIfAbsent(layer, l -> new EnumMap<>(Site.class));
                NDArray previous = layerSums.putIfAbsent(site, batchSum);
                if (previous != null) {
                    previous.addi(batchSum);
                    batchSum.close();
                }
            };
            for (int b = 0; b < count; b++) {
                monitor.check("measuring input norms");
                TokenBatch batch = batches.batch(b);
                try (NDManager m = model.manager().newSubManager()) {
                    NDArray ids = m.create(batch.inputs(), new Shape(batch.batchSize(), batch.sequenceLength()));
                    model.forward(ids, observer, Set.of()).close();
                }
                monitor.report(new Progress("input norms", b + 1, count, "batches", ""));
            }
            Map<String, NDArray> norms = new LinkedHashMap<>();
            for (int l = 0; l < layers; l++) {
                Map<Site, NDArray> layer = squares.get(l);
                for (String name : LlamaLayout.linearWeights(model.config()).subList(7 * l, 7 * l + 7)) {
                    NDArray norm = layer.get(siteOf(name)).sqrt();
                    norm.attach(target);
                    norms.put(name, norm);
                }
            }
            return norms;
        }
    }

    private static Site siteOf(String weight) {
        if (weight.contains("o_proj")) {
            return Site.ATTENTION_OUTPUT_INPUT;
        }
        if (weight.contains("self_attn")) {
            return Site.ATTENTION_NORM;
        }
        return weight.contains("down_proj") ? Site.MLP_DOWN_INPUT : Site.MLP_NORM;
    }
}
