package dev.topiary.prune;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import dev.topiary.engine.Engines;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The tensors of a model being built from another one, held apart from the source model.
 *
 * <p>Results of DJL operations attach to their first operand's manager, which for an operation on a weight is the
 * source model's: kept there, they would live (and leak, if building fails) as long as the source model. Each new
 * tensor is computed in an {@link NDScope}, which frees the temporaries, and moved to a manager of its own; closing
 * this frees whatever {@link #build} has not handed to a model.
 */
final class NewParameters implements AutoCloseable {

    private final NDManager holder;
    private final Map<String, NDArray> tensors = new LinkedHashMap<>();

    NewParameters(Device device) {
        this.holder = Engines.engine().newBaseManager(device);
    }

    /** A manager for small helper arrays (index lists) that live until this is closed. */
    NDManager manager() {
        return holder;
    }

    /** Computes a tensor, freeing the operation's temporaries, and keeps it under {@code name}. */
    void compute(String name, Supplier<NDArray> operation) {
        NDArray result;
        try (NDScope scope = new NDScope()) {
            result = operation.get();
            NDScope.unregister(result);
        }
        result.attach(holder);
        tensors.put(name, result);
    }

    /** The tensor computed under {@code name}, still held here. */
    NDArray get(String name) {
        return tensors.get(name);
    }

    /** A real copy of {@code source} under {@code name} (DJL's duplicate clones the storage with PyTorch). */
    void copy(String name, NDArray source) {
        compute(name, source::duplicate);
    }

    /** The model made of the tensors computed so far, which it takes over. */
    Llama build(LlamaConfig config, String source) {
        Llama model = Llama.fromParameters(config, tensors, source);
        tensors.clear();
        return model;
    }

    @Override
    public void close() {
        holder.close();
    }
}
