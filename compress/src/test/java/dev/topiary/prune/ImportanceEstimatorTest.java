package dev.topiary.prune;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.Cancellation;
import dev.topiary.engine.InPlace;
import dev.topiary.llama.ActivationObserver;
import dev.topiary.llama.ActivationObserver.Site;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.train.BatchSource;
import dev.topiary.train.TokenBatch;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImportanceEstimatorTest {

    static final LlamaConfig CONFIG = LlamaConfig.builder().setHiddenSize(32).setIntermediateSize(96)
            .setNumAttentionHeads(4).optNumKeyValueHeads(2).optHeadDim(8).setNumHiddenLayers(3).setVocabSize(50)
            .optMaxPositionEmbeddings(64).build();

    static BatchSource randomBatches(int batchSize, int length) {
        return index -> {
            SplittableRandom r = new SplittableRandom(index + 17);
            return new TokenBatch(r.ints((long) batchSize * length, 0, 50).toArray(),
                    r.ints((long) batchSize * length, 0, 50).toArray(), batchSize, length);
        };
    }

    /** Activations as Java arrays, per layer and site, one entry per batch: [B][T][C]. */
    static final class Recorder implements ActivationObserver {
        final Map<String, List<float[][][]>> seen = new HashMap<>();

        @Override
        public void observe(int layer, Site site, NDArray activation) {
            Shape s = activation.getShape();
            float[] flat = activation.toFloatArray();
            int b = (int) s.get(0);
            int t = (int) s.get(1);
            int c = (int) s.get(2);
            float[][][] a = new float[b][t][c];
            for (int i = 0; i < b; i++) {
                for (int j = 0; j < t; j++) {
                    System.arraycopy(flat, (i * t + j) * c, a[i][j], 0, c);
                }
            }
            seen.computeIfAbsent(layer + "/" + site, k -> new ArrayList<>()).add(a);
        }

        /** Minitron's statistic computed sample by sample: sqrt(sum over samples of mean_t(|a|)^2). */
        double[] naive(int layer, Site site) {
            List<float[][][]> batches = seen.get(layer + "/" + site);
            int c = batches.get(0)[0][0].length;
            double[] acc = new double[c];
            for (float[][][] batch : batches) {
                for (float[][] sample : batch) {
                    for (int ch = 0; ch < c; ch++) {
                        double mean = 0;
                        for (float[] token : sample) {
                            mean += Math.abs(token[ch]);
                        }
                        mean /= sample.length;
                        acc[ch] += mean * mean;
                    }
                }
            }
            for (int ch = 0; ch < c; ch++) {
                acc[ch] = Math.sqrt(acc[ch]);
            }
            return acc;
        }

        double naiveCosineDistance(int layer) {
            List<float[][][]> ins = seen.get(layer + "/" + Site.LAYER_INPUT);
            List<float[][][]> outs = seen.get(layer + "/" + Site.LAYER_OUTPUT);
            double sum = 0;
            long n = 0;
            for (int b = 0; b < ins.size(); b++) {
                for (int i = 0; i < ins.get(b).length; i++) {
                    for (int t = 0; t < ins.get(b)[i].length; t++) {
                        float[] x = ins.get(b)[i][t];
                        float[] y = outs.get(b)[i][t];
                        double dot = 0;
                        double nx = 0;
                        double ny = 0;
                        for (int c = 0; c < x.length; c++) {
                            dot += x[c] * y[c];
                            nx += x[c] * x[c];
                            ny += y[c] * y[c];
                        }
                        sum += 1 - dot / Math.sqrt(nx * ny);
                        n++;
                    }
                }
            }
            return sum / n;
        }
    }

    @Test
    void scoresEqualANaivePerSampleComputation() {
        BatchSource batches = randomBatches(3, 10);
        try (Llama model = Llama.random(CONFIG, 5, Device.cpu(), DataType.FLOAT32)) {
            ImportanceScores scores = ImportanceEstimator.estimate(model, batches, 4, false, Cancellation.none());
            Recorder recorder = new Recorder();
            try (NDManager m = model.manager().newSubManager()) {
                for (int b = 0; b < 4; b++) {
                    TokenBatch batch = batches.batch(b);
                    model.forward(m.create(batch.inputs(), new Shape(3, 10)), recorder, Set.of()).close();
                }
            }
            assertEquals(120, scores.calibrationTokens());
            double[] embedding = new double[32];
            for (int l = 0; l < 3; l++) {
                double[] a = recorder.naive(l, Site.ATTENTION_NORM);
                double[] b = recorder.naive(l, Site.MLP_NORM);
                for (int c = 0; c < 32; c++) {
                    embedding[c] += a[c] + b[c];
                }
                assertClose(recorder.naive(l, Site.MLP_DOWN_INPUT), scores.neurons(l));
                double[] channels = recorder.naive(l, Site.ATTENTION_OUTPUT_INPUT);
                double[] heads = new double[4];
                for (int h = 0; h < 4; h++) {
                    for (int i = 0; i < 8; i++) {
                        heads[h] += channels[h * 8 + i] * channels[h * 8 + i];
                    }
                    heads[h] = Math.sqrt(heads[h]);
                }
                assertClose(heads, scores.heads(l));
                assertEquals(recorder.naiveCosineDistance(l), scores.layerCosineDistance()[l], 1e-5);
            }
            assertClose(embedding, scores.embeddingChannels());
            assertEquals(null, scores.layerLossIncrease());
        }
    }

    @Test
    void aLayerThatIsAnIdentityScoresZeroByBothLayerMeasures() {
        try (Llama model = Llama.random(CONFIG, 6, Device.cpu(), DataType.FLOAT32)) {
            InPlace.zero(model.parameters().get(LlamaLayout.oProj(1)));
            InPlace.zero(model.parameters().get(LlamaLayout.downProj(1)));
            ImportanceScores scores = ImportanceEstimator.estimate(model, randomBatches(2, 12), 3, true,
                    Cancellation.none());
            assertEquals(0, scores.layerCosineDistance()[1], 1e-6);
            assertEquals(0, scores.layerLossIncrease()[1], 1e-6);
            assertTrue(scores.layerCosineDistance()[0] > 1e-4 && scores.layerCosineDistance()[2] > 1e-4);
            assertTrue(Math.abs(scores.layerLossIncrease()[0]) > 1e-6);
            assertEquals(1, scores.layersByCosineDistance()[0]);
        }
    }

    @Test
    void topKeepsTheHighestScoresInIndexOrder() {
        assertArrayEquals(new int[] {0, 2, 3}, ImportanceScores.top(new float[] {5, 1, 9, 7, 2}, 3));
        assertArrayEquals(new int[] {1, 2}, ImportanceScores.top(new float[] {1, 3, 3, 1}, 2));
    }

    private static void assertClose(double[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5 * Math.max(1, Math.abs(expected[i])), "index " + i);
        }
    }
}
