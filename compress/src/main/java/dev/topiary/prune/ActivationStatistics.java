package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import dev.topiary.engine.Precision32;
import dev.topiary.llama.ActivationObserver;
import java.util.HashMap;
import java.util.Map;

/**
 * Accumulates Minitron's activation statistics during calibration forward passes: for each observed activation
 * {@code [B, T, C]}, {@code abs().mean(over T)}, squared and summed over the batch, added up over batches. The
 * square root of the total is a channel's importance. Also accumulates, per layer, the mean over tokens of
 * {@code 1 - cos(layer input, layer output)}.
 */
final class ActivationStatistics implements ActivationObserver, AutoCloseable {

    private final NDManager manager;
    private final Map<String, NDArray> sums = new HashMap<>();
    private final Map<Integer, NDArray> layerInputs = new HashMap<>();
    private final double[] cosineDistanceSums;
    private long tokens;

    ActivationStatistics(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.cosineDistanceSums = new double[layers];
    }

    @Override
    public void observe(int layer, Site site, NDArray activation) {
        switch (site) {
            case ATTENTION_NORM, MLP_NORM, ATTENTION_OUTPUT_INPUT, MLP_DOWN_INPUT -> accumulate(key(layer, site),
                    Precision32.widen(activation).abs().mean(new int[] {1}).square().sum(new int[] {0}));
            case LAYER_INPUT -> layerInputs.put(layer, activation);
            case LAYER_OUTPUT -> {
                NDArray in = Precision32.widen(layerInputs.remove(layer));
                NDArray out = Precision32.widen(activation);
                NDArray dot = in.mul(out).sum(new int[] {-1});
                NDArray norms = in.norm(new int[] {-1}).mul(out.norm(new int[] {-1})).add(1e-12f);
                NDArray distance = dot.div(norms).neg().add(1f);
                cosineDistanceSums[layer] += distance.sum().getFloat();
                if (layer == 0) {
                    tokens += distance.size();
                }
            }
        }
    }

    private void accumulate(String key, NDArray batchSum) {
        NDScope.unregister(batchSum);
        batchSum.attach(manager);
        NDArray previous = sums.get(key);
        if (previous == null) {
            sums.put(key, batchSum);
        } else {
            previous.addi(batchSum);
            batchSum.close();
        }
    }

    /** The importance of each channel at a site of a layer: the square root of the accumulated statistic. */
    float[] importance(int layer, Site site) {
        NDArray sum = sums.get(key(layer, site));
        if (sum == null) {
            throw new IllegalStateException("no activations were observed at " + site + " of layer " + layer);
        }
        try (NDArray root = sum.toType(DataType.FLOAT32, false).sqrt()) {
            return root.toFloatArray();
        }
    }

    /** Mean {@code 1 - cos(input, output)} over all observed tokens of a layer. */
    double cosineDistance(int layer) {
        return tokens == 0 ? 0 : cosineDistanceSums[layer] / tokens;
    }

    private static String key(int layer, Site site) {
        return layer + "/" + site;
    }

    @Override
    public void close() {
        manager.close();
    }
}
