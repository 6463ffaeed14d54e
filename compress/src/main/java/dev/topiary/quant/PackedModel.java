package dev.topiary.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Llama whose linear weights are quantized: the packed tensors by name, and every other tensor (embeddings,
 * norms, lm_head) in fp32. It owns those fp32 arrays and frees them on {@link #close()}.
 *
 * <p>DJL has no low-bit matrix product, so running the model means dequantizing: {@link #toLlama()} builds a
 * normal fp32 {@link Llama} from the packed weights, which evaluation and generation use as they are. A model may
 * also quantize the activations entering its linear layers ({@link #activations()}, W8A8); its Llama simulates that
 * in every forward pass.
 */
public final class PackedModel implements AutoCloseable {

    private final LlamaConfig config;
    private final QuantScheme scheme;
    private final Map<String, QuantizedTensor> quantized;
    private final Map<String, NDArray> floating;
    private final NDManager manager;
    private final ActivationScheme activations;

    /**
     * As {@link #PackedModel(LlamaConfig, QuantScheme, Map, Map, String, ActivationScheme)}, the activations left in
     * floating point.
     */
    public PackedModel(LlamaConfig config, QuantScheme scheme, Map<String, QuantizedTensor> quantized,
            Map<String, NDArray> floating, String source) {
        this(config, scheme, quantized, floating, source, ActivationScheme.NONE);
    }

    /**
     * Takes ownership of {@code floating} (moved to a manager of this model); {@code quantized} and
     * {@code floating} together must be exactly the tensors {@code config} implies.
     *
     * @throws TopiaryException naming the first missing, misshapen or unexpected tensor, or a tensor quantized with
     *     another scheme
     */
    public PackedModel(LlamaConfig config, QuantScheme scheme, Map<String, QuantizedTensor> quantized,
            Map<String, NDArray> floating, String source, ActivationScheme activations) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        quantized.forEach((name, q) -> {
            if (!q.scheme().equals(scheme)) {
                throw new TopiaryException(source + ": tensor " + name + " is quantized as " + q.scheme()
                        + " but the model states " + scheme);
            }
            shapes.put(name, q.shape());
        });
        floating.forEach((name, t) -> {
            if (shapes.containsKey(name)) {
                throw new TopiaryException(source + ": tensor " + name + " is given both quantized and in floating point");
            }
            shapes.put(name, t.getShape().getShape());
        });
        LlamaLayout.check(config, shapes, source);
        this.config = config;
        this.scheme = scheme;
        this.activations = activations;
        this.quantized = Collections.unmodifiableMap(new LinkedHashMap<>(quantized));
        // The final norm is never quantized (the embedding may be): its device is the model's.
        this.manager = Engines.engine().newBaseManager(floating.get(LlamaLayout.FINAL_NORM).getDevice());
        Map<String, NDArray> owned = new LinkedHashMap<>();
        floating.forEach((name, t) -> {
            // Owned by this model, also when it is built inside an NDScope.
            NDScope.unregister(t);
            t.attach(manager);
            owned.put(name, t);
        });
        this.floating = Collections.unmodifiableMap(owned);
    }

    public LlamaConfig config() {
        return config;
    }

    public QuantScheme scheme() {
        return scheme;
    }

    /** How the activations entering the linear layers are quantized ({@link ActivationScheme#NONE}: not at all). */
    public ActivationScheme activations() {
        return activations;
    }

    /**
     * These tensors with the linear layers' inputs quantized as {@code scheme}: the tensors move to the result, and
     * this model is left empty (closed).
     */
    public PackedModel withActivations(ActivationScheme scheme) {
        PackedModel moved = new PackedModel(config, this.scheme, quantized, floating, "quantized model", scheme);
        manager.close();
        return moved;
    }

    /** The quantized tensors by Hugging Face name, in checkpoint order. */
    public Map<String, QuantizedTensor> quantized() {
        return quantized;
    }

    /** The tensors kept in floating point, by name; they belong to this model. */
    public Map<String, NDArray> floating() {
        return floating;
    }

    /**
     * Bytes tensor {@code name} is stored in: its packed bytes ({@link QuantizedTensor#storedBytes()}) when quantized,
     * else 4 per fp32 value.
     *
     * @throws TopiaryException when the model has no such tensor
     */
    public long storedBytes(String name) {
        QuantizedTensor q = quantized.get(name);
        if (q != null) {
            return q.storedBytes();
        }
        NDArray t = floating.get(name);
        if (t == null) {
            throw new TopiaryException("the model has no tensor " + name);
        }
        return t.getShape().size() * Float.BYTES;
    }

    /** Real bytes of the packed tensors ({@link QuantizedTensor#storedBytes()}) plus 4 bytes per fp32 value. */
    public long storedBytes() {
        long bytes = 0;
        for (String name : LlamaLayout.shapes(config).keySet()) {
            bytes += storedBytes(name);
        }
        return bytes;
    }

    /** What the same model takes with every tensor in fp32, for comparison with {@link #storedBytes()}. */
    public long fp32Bytes() {
        return LlamaLayout.parameterCount(config) * Float.BYTES;
    }

    /**
     * A runnable fp32 model on this model's device: quantized tensors dequantized, the others copied. The result
     * is independent of this model (close both).
     */
    public Llama toLlama() {
        NDManager staging = Engines.engine().newBaseManager(manager.getDevice());
        try {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : LlamaLayout.shapes(config).keySet()) {
                QuantizedTensor q = quantized.get(name);
                NDArray t = q != null ? q.dequantize(staging) : floating.get(name).duplicate();
                t.attach(staging);
                tensors.put(name, t);
            }
            return Llama.fromParameters(config, tensors, "quantized model (" + scheme + ")", activations);
        } finally {
            staging.close();
        }
    }

    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return "PackedModel(" + scheme + (activations == ActivationScheme.NONE ? "" : ", " + activations) + ", "
                + quantized.size() + " quantized tensors, " + storedBytes()
                + " bytes, fp32 " + fp32Bytes() + " bytes)";
    }
}
