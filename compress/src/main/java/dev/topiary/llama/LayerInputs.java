package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.topiary.TopiaryException;
import dev.topiary.llama.ActivationObserver.Site;
import java.util.ArrayList;
import java.util.List;

/**
 * The inputs of one decoder layer for a fixed set of token batches, for calibration that works layer by layer
 * (GPTQ): the batches are embedded once, each layer is run on the inputs held, and its outputs, computed once,
 * become the next layer's inputs. A layer's activations then cost one pass through that layer, not a pass through
 * every layer before it. The layers may be run by views of the model ({@link Llama#withParameters}) whose earlier
 * weights were replaced (quantized) since: what is held is always what the views run so far produced.
 *
 * <p>Holds one {@code [B, T, hidden]} array per batch on the model's device (for 128 sequences of 2,048 tokens of
 * a 2,048-wide model, 2.1 GB in fp32; one batch more while {@link #advance} runs).
 */
public final class LayerInputs implements AutoCloseable {

    private final NDManager manager;
    private final int layers;
    private List<NDArray> inputs;
    private int layer;

    private LayerInputs(NDManager manager, int layers, List<NDArray> inputs) {
        this.manager = manager;
        this.layers = layers;
        this.inputs = inputs;
    }

    /**
     * The inputs of layer 0 for token ids {@code batches} ({@code [B, T]} each): their embeddings in {@code model}.
     *
     * @throws TopiaryException when there are no batches or one is not usable by the model
     */
    public static LayerInputs embed(Llama model, List<NDArray> batches) {
        if (batches.isEmpty()) {
            throw new TopiaryException("layer-by-layer calibration needs at least one batch of token ids, got none");
        }
        NDManager manager = model.manager().newSubManager();
        try {
            List<NDArray> inputs = new ArrayList<>();
            for (NDArray batch : batches) {
                NDArray h = model.embed(batch);
                h.attach(manager);
                inputs.add(h);
            }
            return new LayerInputs(manager, model.config().numHiddenLayers(), inputs);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** The layer whose inputs are held. */
    public int layer() {
        return layer;
    }

    /**
     * Runs the held layer of {@code model} on every batch up to {@code last}, showing {@code observer} its
     * activations; the inputs stay as they are.
     */
    public void observe(Llama model, ActivationObserver observer, Site last) {
        for (NDArray input : inputs) {
            try (NDScope scope = new NDScope()) {
                model.layer(layer, input, observer, last);
            }
        }
    }

    /**
     * Replaces the inputs held by the held layer's outputs in {@code model}: the next layer's inputs.
     *
     * @throws TopiaryException when the last layer's inputs are held (there is no next layer)
     */
    public void advance(Llama model) {
        if (layer + 1 >= layers) {
            throw new TopiaryException("layer " + layer + " is the model's last: no later layer takes its output");
        }
        List<NDArray> outputs = new ArrayList<>();
        for (NDArray input : inputs) {
            NDArray out = model.layer(layer, input, ActivationObserver.NONE, Site.LAYER_OUTPUT);
            out.attach(manager);
            outputs.add(out);
            input.close();
        }
        inputs = outputs;
        layer++;
    }

    @Override
    public void close() {
        manager.close();
    }
}
