package dev.topiary;

import dev.topiary.llama.Llama;
import dev.topiary.quant.PackedModel;

/**
 * The native weights one or more models use: the runnable Llama and, for a quantized model, its packed form. Models
 * that differ only in their defaults or lineage ({@link Model#withData}) hold the same weights; each holder takes a
 * reference, and the weights are freed when the last one lets go.
 */
final class SharedWeights {

    private final Llama llama;
    private final PackedModel packed;
    private int holders;
    private boolean freed;

    /** Weights no model holds yet; the first {@link #acquire} takes them. */
    SharedWeights(Llama llama, PackedModel packed) {
        this.llama = llama;
        this.packed = packed;
    }

    Llama llama() {
        return llama;
    }

    /** The packed weights of a quantized model, or null. */
    PackedModel packed() {
        return packed;
    }

    /** One more holder. */
    synchronized SharedWeights acquire() {
        if (freed) {
            throw new TopiaryException("these weights were freed: the model was closed");
        }
        holders++;
        return this;
    }

    /** One holder fewer; the last one frees the native memory. */
    synchronized void release() {
        if (freed || --holders > 0) {
            return;
        }
        freed = true;
        llama.close();
        if (packed != null) {
            packed.close();
        }
    }

    synchronized boolean isFreed() {
        return freed;
    }

    /** What a model's cleaner runs: one release, without referring to the model. */
    record Release(SharedWeights weights) implements Runnable {
        @Override
        public void run() {
            weights.release();
        }
    }
}
