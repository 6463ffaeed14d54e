package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import dev.topiary.engine.Precision32;
import dev.topiary.llama.ActivationObserver;
import java.util.HashMap;
import java.util.Map;

/**
 * The largest magnitude of each input channel of the linear layers that SmoothQuant smooths, over every token of the
 * calibration passes: the inputs of q/k/v (the first norm's output), of gate/up (the second norm's output) and of
 * down_proj (the gated activations).
 */
final class InputMaxima implements ActivationObserver {

    private final Map<String, float[]> maxima = new HashMap<>();

    @Override
    public void observe(int layer, Site site, NDArray activation) {
        if (site != Site.ATTENTION_NORM && site != Site.MLP_NORM && site != Site.MLP_DOWN_INPUT) {
            return;
        }
        long channels = activation.getShape().get(2);
        float[] batch = Precision32.widen(activation).abs().reshape(-1, channels).max(new int[] {0}).toFloatArray();
        float[] known = maxima.putIfAbsent(key(layer, site), batch);
        if (known != null) {
            for (int c = 0; c < batch.length; c++) {
                known[c] = Math.max(known[c], batch[c]);
            }
        }
    }

    /** Each channel's largest magnitude at {@code site} of {@code layer}. */
    float[] of(int layer, Site site) {
        float[] m = maxima.get(key(layer, site));
        if (m == null) {
            throw new IllegalStateException("no activations were observed at " + site + " of layer " + layer);
        }
        return m;
    }

    private static String key(int layer, Site site) {
        return layer + "/" + site;
    }
}
