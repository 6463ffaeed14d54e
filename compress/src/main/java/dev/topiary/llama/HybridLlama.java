package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import dev.topiary.TopiaryException;
import dev.topiary.llama.ActivationObserver.Site;

/**
 * A predecessor and its compact successor run as one model, module by module, as module replacing (BERT-of-Theseus)
 * trains them: the predecessor's layers fall into modules of {@link #layersPerModule()} consecutive layers, the
 * successor has one layer per module, and each forward pass runs every module either as the predecessor's layers or
 * as the successor's layer. The token embedding, the final norm and the LM head are always the predecessor's.
 *
 * <p>With no module replaced the pass is the predecessor's own forward; with every module replaced it is the
 * successor's, whose embedding, final norm and head are copies of the predecessor's. Gradients reach the successor's
 * layers through the predecessor's, whose parameters (not recording gradients) stay as they are.
 */
public final class HybridLlama {

    private final Llama predecessor;
    private final Llama successor;
    private final int layersPerModule;

    private HybridLlama(Llama predecessor, Llama successor, int layersPerModule) {
        this.predecessor = predecessor;
        this.successor = successor;
        this.layersPerModule = layersPerModule;
    }

    /**
     * @throws TopiaryException when {@code successor} is not {@code predecessor}'s architecture with one layer per
     *     module of an equal number of the predecessor's layers, or the two live on different devices or types
     */
    public static HybridLlama of(Llama predecessor, Llama successor) {
        LlamaConfig p = predecessor.config();
        LlamaConfig s = successor.config();
        int modules = s.numHiddenLayers();
        if (p.numHiddenLayers() % modules != 0
                || !p.toBuilder().setNumHiddenLayers(modules).build().equals(s)) {
            throw new TopiaryException("a successor for module replacing has the predecessor's architecture with one"
                    + " layer for each module of an equal number of predecessor layers; the predecessor has "
                    + p.numHiddenLayers() + " layers (" + p + "), the successor " + modules + " (" + s + ")");
        }
        if (!predecessor.device().equals(successor.device()) || predecessor.dataType() != successor.dataType()) {
            throw new TopiaryException("the predecessor is " + predecessor.dataType() + " on " + predecessor.device()
                    + " and the successor " + successor.dataType() + " on " + successor.device()
                    + ": module replacing runs both in one pass, on one device in one type");
        }
        return new HybridLlama(predecessor, successor, p.numHiddenLayers() / modules);
    }

    /** The number of modules: the successor's layers. */
    public int modules() {
        return successor.config().numHiddenLayers();
    }

    /** The predecessor's layers in each module. */
    public int layersPerModule() {
        return layersPerModule;
    }

    /**
     * Logits {@code [B, T, V]} in fp32 for token ids {@code [B, T]} at positions 0..T-1, module {@code m} run as the
     * successor's layer {@code m} where {@code replaced[m]}, else as the predecessor's layers
     * {@code m * layersPerModule} to {@code (m + 1) * layersPerModule - 1}.
     *
     * @throws TopiaryException when {@code replaced} does not hold one choice per module
     */
    public NDArray forward(NDArray ids, boolean[] replaced) {
        if (replaced.length != modules()) {
            throw new TopiaryException("a hybrid pass needs one choice per module (" + modules() + "), got "
                    + replaced.length);
        }
        NDArray logits;
        try (NDScope scope = new NDScope()) {
            NDArray h = registered(predecessor.embed(ids));
            for (int m = 0; m < replaced.length; m++) {
                if (replaced[m]) {
                    h = registered(successor.layer(m, h, ActivationObserver.NONE, Site.LAYER_OUTPUT));
                } else {
                    for (int l = m * layersPerModule; l < (m + 1) * layersPerModule; l++) {
                        h = registered(predecessor.layer(l, h, ActivationObserver.NONE, Site.LAYER_OUTPUT));
                    }
                }
            }
            logits = predecessor.head(h);
            NDScope.unregister(logits);
        }
        NDScope.register(logits);
        return logits;
    }

    // Embedding and layers hand back arrays outside any scope: this pass's scope frees them.
    private static NDArray registered(NDArray array) {
        NDScope.register(array);
        return array;
    }
}
