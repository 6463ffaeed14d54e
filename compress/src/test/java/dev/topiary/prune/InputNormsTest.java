package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.Monitor;
import dev.topiary.ProgressListener;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Wanda's input norms against sums of squares computed in Java from recorded activations. */
class InputNormsTest {

    @Test
    void everyLinearWeightGetsTheL2NormOfItsInputChannelsOverAllTokens() {
        BatchSource batches = ImportanceEstimatorTest.randomBatches(2, 6);
        Monitor quiet = new Monitor(ProgressListener.SILENT, Cancellation.none());
        try (Llama model = TestModels.model(ImportanceEstimatorTest.CONFIG,
                TestModels.randomWeights(ImportanceEstimatorTest.CONFIG, 5));
                NDManager m = model.manager().newSubManager()) {
            Map<String, NDArray> norms = InputNorms.measure(model, batches, 3, quiet, m);
            ImportanceEstimatorTest.Recorder recorder = new ImportanceEstimatorTest.Recorder();
            for (int b = 0; b < 3; b++) {
                TokenBatch batch = batches.batch(b);
                model.forward(m.create(batch.inputs(), new Shape(2, 6)), recorder, Set.of()).close();
            }
            assertEquals(LlamaLayout.linearWeights(model.config()), List.copyOf(norms.keySet()));
            for (int layer = 0; layer < 3; layer++) {
                check(norms.get(LlamaLayout.kProj(layer)), recorder, layer, Site.ATTENTION_NORM);
                check(norms.get(LlamaLayout.oProj(layer)), recorder, layer, Site.ATTENTION_OUTPUT_INPUT);
                check(norms.get(LlamaLayout.upProj(layer)), recorder, layer, Site.MLP_NORM);
                check(norms.get(LlamaLayout.downProj(layer)), recorder, layer, Site.MLP_DOWN_INPUT);
            }
        }
    }

    private static void check(NDArray norms, ImportanceEstimatorTest.Recorder recorder, int layer, Site site) {
        float[] actual = norms.toFloatArray();
        double[] squares = new double[actual.length];
        for (float[][][] batch : recorder.seen.get(layer + "/" + site)) {
            for (float[][] sequence : batch) {
                for (float[] token : sequence) {
                    for (int c = 0; c < token.length; c++) {
                        squares[c] += (double) token[c] * token[c];
                    }
                }
            }
        }
        for (int c = 0; c < actual.length; c++) {
            assertEquals(Math.sqrt(squares[c]), actual[c], 1e-4 * Math.sqrt(squares[c]) + 1e-6, site + " " + c);
        }
    }
}
