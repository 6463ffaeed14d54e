package dev.topiary.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Self-checks of {@link ReferenceLlama}, independent of the DJL model. */
class ReferenceLlamaTest {

    private static final double TOL = 1e-12;

    /** Grouped-query attention with head_dim (6) different from hidden / heads (2). */
    private static LlamaConfig.Builder tiny() {
        return LlamaConfig.builder()
                .setHiddenSize(8)
                .setIntermediateSize(12)
                .setNumAttentionHeads(4)
                .optNumKeyValueHeads(2)
                .optHeadDim(6)
                .setNumHiddenLayers(2)
                .setVocabSize(11)
                .optRopeTheta(10000)
                .optRopeScaling(null)
                .optTieWordEmbeddings(false);
    }

    private static double[] rmsNorm(float[] x, int offset, int d, float[] w, double eps) {
        double ss = 0;
        for (int i = 0; i < d; i++) {
            ss += (double) x[offset + i] * x[offset + i];
        }
        double inv = 1 / Math.sqrt(ss / d + eps);
        double[] out = new double[d];
        for (int i = 0; i < d; i++) {
            out[i] = x[offset + i] * inv * w[i];
        }
        return out;
    }

    private static double[] rmsNorm(double[] x, float[] w, double eps) {
        double ss = 0;
        for (double v : x) {
            ss += v * v;
        }
        double inv = 1 / Math.sqrt(ss / x.length + eps);
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * w[i];
        }
        return out;
    }

    private static double[] matVec(float[] w, int out, double[] x) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < x.length; i++) {
                y[o] += w[o * x.length + i] * x[i];
            }
        }
        return y;
    }

    @Test
    void zeroResidualBranchesLeaveEmbeddingThroughFinalNormAndHead() {
        for (boolean tied : new boolean[] {false, true}) {
            LlamaConfig config = tiny().setNumHiddenLayers(1).optTieWordEmbeddings(tied).build();
            Map<String, float[]> w = TestWeights.random(config, 1);
            Arrays.fill(w.get(LlamaLayout.oProj(0)), 0f);
            Arrays.fill(w.get(LlamaLayout.downProj(0)), 0f);
            int[] ids = {3, 0, 10, 7, 3};
            double[][] logits = new ReferenceLlama(config, w).logits(ids);

            int d = config.hiddenSize();
            float[] embed = w.get(LlamaLayout.EMBED_TOKENS);
            float[] head = tied ? embed : w.get(LlamaLayout.LM_HEAD);
            assertEquals(ids.length, logits.length);
            for (int p = 0; p < ids.length; p++) {
                double[] x = rmsNorm(embed, ids[p] * d, d, w.get(LlamaLayout.FINAL_NORM), config.rmsNormEps());
                double[] expected = matVec(head, config.vocabSize(), x);
                assertArrayEquals(expected, logits[p], TOL, "tied=" + tied + " position " + p);
            }
        }
    }

    @Test
    void singleTokenAttentionIsValueOfGroupedKvHead() {
        // One token: softmax is 1, so head h outputs v of kv head h / (H / KV), whatever q, k and rope are.
        LlamaConfig config = tiny().setNumHiddenLayers(1).build();
        Map<String, float[]> w = TestWeights.random(config, 2);
        Arrays.fill(w.get(LlamaLayout.downProj(0)), 0f);
        int token = 5;
        double[][] logits = new ReferenceLlama(config, w).logits(new int[] {token});

        int d = config.hiddenSize();
        int hd = config.headDim();
        int heads = config.numAttentionHeads();
        int group = heads / config.numKeyValueHeads();
        float[] embed = w.get(LlamaLayout.EMBED_TOKENS);
        double eps = config.rmsNormEps();
        double[] x = rmsNorm(embed, token * d, d, w.get(LlamaLayout.inputNorm(0)), eps);
        double[] v = matVec(w.get(LlamaLayout.vProj(0)), config.numKeyValueHeads() * hd, x);
        double[] concat = new double[heads * hd];
        for (int h = 0; h < heads; h++) {
            System.arraycopy(v, (h / group) * hd, concat, h * hd, hd);
        }
        double[] o = matVec(w.get(LlamaLayout.oProj(0)), d, concat);
        double[] residual = new double[d];
        for (int i = 0; i < d; i++) {
            residual[i] = embed[token * d + i] + o[i];
        }
        double[] expected = matVec(w.get(LlamaLayout.LM_HEAD), config.vocabSize(),
                rmsNorm(residual, w.get(LlamaLayout.FINAL_NORM), eps));
        assertArrayEquals(expected, logits[0], TOL);
    }

    @Test
    void ropeAtPositionZeroIsIdentity() {
        LlamaConfig a = tiny().optRopeTheta(10000).build();
        LlamaConfig b = tiny().optRopeTheta(37).optRopeScaling(new RopeScaling(4, 1, 4, 64)).build();
        Map<String, float[]> w = TestWeights.random(a, 3);
        int[] ids = {4, 9, 1};
        double[][] la = new ReferenceLlama(a, w).logits(ids);
        double[][] lb = new ReferenceLlama(b, w).logits(ids);
        assertArrayEquals(la[0], lb[0], TOL);
        // and theta does matter once there is a relative position
        assertFalse(Arrays.equals(la[1], lb[1]), "position 1 should depend on theta");
    }

    @Test
    void llama3ScaledInverseFrequencies() {
        // head_dim 8, theta 10000: unscaled 1, 0.1, 0.01, 0.001; wavelengths 2pi * (1, 10, 100, 1000).
        // original 1024, low 1, high 4: low_freq_wavelen 1024, high_freq_wavelen 256.
        LlamaConfig.Builder b = LlamaConfig.builder()
                .setHiddenSize(8).setIntermediateSize(4).setNumAttentionHeads(2).optHeadDim(8)
                .setNumHiddenLayers(1).setVocabSize(3).optRopeTheta(10000);
        assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001},
                ReferenceLlama.inverseFrequencies(b.optRopeScaling(null).build()), 1e-15);

        double[] scaled = ReferenceLlama.inverseFrequencies(b.optRopeScaling(new RopeScaling(8, 1, 4, 1024)).build());
        double smooth = (1024 / (2 * Math.PI / 0.01) - 1) / (4 - 1); // 0.2099155390870...
        assertEquals(0.20991553908700275, smooth, 1e-15);
        assertArrayEquals(new double[] {
                    1.0, // wavelength 6.28 < 256: kept
                    0.1, // wavelength 62.8 < 256: kept
                    0.003086760967011274, // 628.3 in [256, 1024]: (1 - s) * 0.01 / 8 + s * 0.01
                    0.000125, // 6283 > 1024: divided by 8
                },
                scaled, 1e-15);
    }

    @Test
    void logitsAreCausal() {
        LlamaConfig config = tiny().build();
        ReferenceLlama model = new ReferenceLlama(config, TestWeights.random(config, 4));
        double[][] a = model.logits(new int[] {1, 2, 3, 4, 5});
        double[][] b = model.logits(new int[] {1, 2, 3, 9, 0});
        for (int p = 0; p < 3; p++) {
            assertArrayEquals(a[p], b[p], 0.0, "position " + p);
        }
        assertFalse(Arrays.equals(a[3], b[3]));
        assertFalse(Arrays.equals(a[4], b[4]));
        // a prefix gives the same logits as the full sequence at its positions
        double[][] prefix = model.logits(new int[] {1, 2, 3});
        for (int p = 0; p < 3; p++) {
            assertArrayEquals(a[p], prefix[p], 0.0);
        }
    }

    @Test
    void rejectsMissingOrMisSizedTensors() {
        LlamaConfig config = tiny().build();
        Map<String, float[]> w = TestWeights.random(config, 5);
        w.remove(LlamaLayout.LM_HEAD);
        assertThrows(IllegalArgumentException.class, () -> new ReferenceLlama(config, w));
        Map<String, float[]> w2 = TestWeights.random(config, 5);
        w2.put(LlamaLayout.qProj(1), new float[3]);
        assertThrows(IllegalArgumentException.class, () -> new ReferenceLlama(config, w2));
    }
}
