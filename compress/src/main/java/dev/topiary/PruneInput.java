package dev.topiary;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.prune.ImportanceScores;
import dev.topiary.prune.InputNorms;
import java.util.Map;
import java.util.function.Function;

/**
 * What a {@link PruneStep} prunes: the source weights, how they derive from their origin, and their Minitron
 * importance on calibration data (measured on first request and reused by the pruning that asked).
 *
 * @param source the weights to prune (left unchanged)
 * @param derivation which of the origin's channels and layers the source keeps
 * @param importance the importance scores on given calibration data
 */
record PruneInput(Llama source, Derivation derivation, Function<Calibration, ImportanceScores> importance) {

    LlamaConfig config() {
        return source.config();
    }

    ImportanceScores importanceOn(Calibration calibration) {
        return importance.apply(calibration);
    }

    /** The L2 norm of every linear layer's input channels on {@code calibration}, Wanda's activation statistic. */
    Map<String, NDArray> inputNorms(Calibration calibration, NDManager manager) {
        try (Corpus.Opened data = calibration.data().open()) {
            return InputNorms.measure(source, calibration.batchesOf(data), calibration.batches(), Monitor.current(),
                    manager);
        }
    }
}
