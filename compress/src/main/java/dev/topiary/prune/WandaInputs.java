package dev.topiary.prune;

import ai.djl.ndarray.NDArray;
import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.List;
import java.util.Map;

/**
 * Checks the per-input-channel activation norms that Wanda scores need: one vector per linear weight, as long as
 * the weight has input columns.
 */
final class WandaInputs {

    private WandaInputs() {}

    /**
     * @throws TopiaryException naming the weight whose norms are missing or misshapen, or a name that is no linear
     *     weight of the model
     */
    static void check(LlamaConfig config, Map<String, NDArray> weights, Map<String, NDArray> inputNorms) {
        if (inputNorms == null) {
            throw new TopiaryException("Wanda needs the input-channel norms of every linear weight, got none");
        }
        List<String> linear = LlamaLayout.linearWeights(config);
        for (String name : inputNorms.keySet()) {
            if (!linear.contains(name)) {
                throw new TopiaryException("input norms given for " + name + ", which is not a linear weight of the"
                        + " model (expected names such as " + linear.get(0) + ")");
            }
        }
        for (String name : linear) {
            NDArray norms = inputNorms.get(name);
            long columns = weights.get(name).getShape().get(1);
            if (norms == null) {
                throw new TopiaryException("no input norms for " + name + ": Wanda needs one value per input channel"
                        + " of every linear weight");
            }
            if (norms.getShape().dimension() != 1 || norms.getShape().get(0) != columns) {
                throw new TopiaryException("input norms for " + name + " have shape " + norms.getShape()
                        + ", expected (" + columns + ") (one per input channel)");
            }
        }
    }
}
