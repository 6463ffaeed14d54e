package dev.topiary.llama;

import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The independent ground truth for tests: a plain-Java, double-precision forward pass of Hugging Face
 * {@code LlamaForCausalLM} (transformers 4.4x semantics), written from the Hugging Face definitions and sharing no
 * code with Topiary's DJL model.
 *
 * <p>It reads the checkpoint tensors by their Hugging Face names ({@link LlamaLayout}), as row-major float data with
 * linear weights stored {@code [out, in]} ({@code y = W x}); every computation is carried out in {@code double} with
 * simple loops. Clarity is preferred over speed: it is meant for tiny models only.
 *
 * <p>The forward pass, for one sequence at positions {@code 0..T-1}:
 * <pre>
 *   h = embed_tokens[ids]
 *   for each layer:
 *     h = h + o_proj(attention(rmsnorm(h, input_layernorm)))
 *     x = rmsnorm(h, post_attention_layernorm)
 *     h = h + down_proj(silu(gate_proj(x)) * up_proj(x))
 *   logits = lm_head(rmsnorm(h, model.norm))      (lm_head = embed_tokens when embeddings are tied)
 * </pre>
 * Attention is causal grouped-query attention (query head {@code h} reads key/value head {@code h / (H / KV)}, as
 * Hugging Face {@code repeat_kv}), with rotary embeddings in the rotate-half convention, optional llama3 frequency
 * scaling, and scores scaled by {@code 1 / sqrt(head_dim)}.
 */
public final class ReferenceLlama {

    private final LlamaConfig config;
    private final Map<String, float[]> weights;
    private final double[] invFreq;
    private final UnaryOperator<double[]> linearInputs;

    /** As {@link #ReferenceLlama(LlamaConfig, Map, UnaryOperator)}, each linear layer reading its input as it is. */
    public ReferenceLlama(LlamaConfig config, Map<String, float[]> weights) {
        this(config, weights, UnaryOperator.identity());
    }

    /**
     * @param config the architecture
     * @param weights Hugging Face tensor name to row-major data; must hold exactly the sizes
     *     {@link LlamaLayout#shapes(LlamaConfig)} implies ({@code lm_head.weight} is not needed when embeddings are
     *     tied, and is ignored then)
     * @param linearInputs what each token's input vector of the decoder's linear layers passes through first: the
     *     input of q, k and v (once for the three), of o_proj, of gate and up (once for both) and of down_proj
     * @throws IllegalArgumentException when a tensor is missing or has the wrong number of elements
     */
    public ReferenceLlama(LlamaConfig config, Map<String, float[]> weights, UnaryOperator<double[]> linearInputs) {
        this.config = config;
        this.linearInputs = linearInputs;
        this.weights = new HashMap<>();
        for (Map.Entry<String, long[]> e : LlamaLayout.shapes(config).entrySet()) {
            float[] data = weights.get(e.getKey());
            if (data == null) {
                throw new IllegalArgumentException("missing tensor " + e.getKey());
            }
            long size = 1;
            for (long s : e.getValue()) {
                size *= s;
            }
            if (data.length != size) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " has " + data.length
                        + " elements, expected " + size);
            }
            this.weights.put(e.getKey(), data);
        }
        this.invFreq = inverseFrequencies(config);
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * The rotary inverse frequencies, {@code head_dim / 2} of them: {@code 1 / theta^(2j / head_dim)}, then the
     * llama3 scaling when the config has one.
     */
    static double[] inverseFrequencies(LlamaConfig config) {
        int hd = config.headDim();
        int half = hd / 2;
        double[] inv = new double[half];
        for (int j = 0; j < half; j++) {
            inv[j] = 1.0 / Math.pow(config.ropeTheta(), (2.0 * j) / hd);
        }
        RopeScaling rs = config.ropeScaling();
        if (rs == null) {
            return inv;
        }
        double orig = rs.originalMaxPositionEmbeddings();
        double lowFreqWavelen = orig / rs.lowFreqFactor();
        double highFreqWavelen = orig / rs.highFreqFactor();
        for (int j = 0; j < half; j++) {
            double f = inv[j];
            double wavelen = 2 * Math.PI / f;
            if (wavelen > lowFreqWavelen) {
                inv[j] = f / rs.factor();
            } else if (wavelen < highFreqWavelen) {
                inv[j] = f;
            } else {
                double smooth = (orig / wavelen - rs.lowFreqFactor()) / (rs.highFreqFactor() - rs.lowFreqFactor());
                inv[j] = (1 - smooth) * f / rs.factor() + smooth * f;
            }
        }
        return inv;
    }

    /** The logits {@code [T][vocab]} for one sequence of token ids at positions {@code 0..T-1}. */
    public double[][] logits(int[] ids) {
        int t = ids.length;
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        float[] embed = weights.get(LlamaLayout.EMBED_TOKENS);

        double[][] h = new double[t][d];
        for (int p = 0; p < t; p++) {
            if (ids[p] < 0 || ids[p] >= vocab) {
                throw new IllegalArgumentException("token id " + ids[p] + " outside vocabulary of " + vocab);
            }
            for (int i = 0; i < d; i++) {
                h[p][i] = embed[ids[p] * d + i];
            }
        }

        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            double[][] x = new double[t][];
            for (int p = 0; p < t; p++) {
                x[p] = linearInputs.apply(rmsNorm(h[p], weights.get(LlamaLayout.inputNorm(layer))));
            }
            double[][] attn = attention(layer, x);
            for (int p = 0; p < t; p++) {
                double[] o = linear(weights.get(LlamaLayout.oProj(layer)), d, linearInputs.apply(attn[p]));
                for (int i = 0; i < d; i++) {
                    h[p][i] += o[i];
                }
            }
            for (int p = 0; p < t; p++) {
                double[] y = linearInputs.apply(rmsNorm(h[p], weights.get(LlamaLayout.postAttentionNorm(layer))));
                double[] m = mlp(layer, y);
                for (int i = 0; i < d; i++) {
                    h[p][i] += m[i];
                }
            }
        }

        float[] head = config.tieWordEmbeddings() ? embed : weights.get(LlamaLayout.LM_HEAD);
        double[][] out = new double[t][];
        for (int p = 0; p < t; p++) {
            double[] normed = rmsNorm(h[p], weights.get(LlamaLayout.FINAL_NORM));
            out[p] = linear(head, vocab, normed);
        }
        return out;
    }

    /** Causal grouped-query self-attention of one layer; returns the concatenated heads {@code [T][H * hd]}. */
    private double[][] attention(int layer, double[][] x) {
        int t = x.length;
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int hd = config.headDim();
        int group = heads / kvHeads;
        double scale = 1.0 / Math.sqrt(hd);

        // Projections, then rotary embedding per head: q[p][head][dim], k[p][kvHead][dim], v[p][kvHead][dim].
        double[][][] q = new double[t][heads][];
        double[][][] k = new double[t][kvHeads][];
        double[][][] v = new double[t][kvHeads][];
        for (int p = 0; p < t; p++) {
            double[] qAll = linear(weights.get(LlamaLayout.qProj(layer)), heads * hd, x[p]);
            double[] kAll = linear(weights.get(LlamaLayout.kProj(layer)), kvHeads * hd, x[p]);
            double[] vAll = linear(weights.get(LlamaLayout.vProj(layer)), kvHeads * hd, x[p]);
            for (int hh = 0; hh < heads; hh++) {
                q[p][hh] = rope(slice(qAll, hh * hd, hd), p);
            }
            for (int g = 0; g < kvHeads; g++) {
                k[p][g] = rope(slice(kAll, g * hd, hd), p);
                v[p][g] = slice(vAll, g * hd, hd);
            }
        }

        double[][] out = new double[t][heads * hd];
        for (int hh = 0; hh < heads; hh++) {
            int kvh = hh / group;
            for (int i = 0; i < t; i++) {
                // scores over j <= i
                double[] scores = new double[i + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j <= i; j++) {
                    double s = 0;
                    for (int e = 0; e < hd; e++) {
                        s += q[i][hh][e] * k[j][kvh][e];
                    }
                    scores[j] = s * scale;
                    max = Math.max(max, scores[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) {
                    scores[j] = Math.exp(scores[j] - max);
                    sum += scores[j];
                }
                for (int j = 0; j <= i; j++) {
                    double w = scores[j] / sum;
                    for (int e = 0; e < hd; e++) {
                        out[i][hh * hd + e] += w * v[j][kvh][e];
                    }
                }
            }
        }
        return out;
    }

    /** The SwiGLU feed-forward block: {@code down(silu(gate(x)) * up(x))}. */
    private double[] mlp(int layer, double[] x) {
        int ffn = config.intermediateSize();
        double[] gate = linear(weights.get(LlamaLayout.gateProj(layer)), ffn, x);
        double[] up = linear(weights.get(LlamaLayout.upProj(layer)), ffn, x);
        double[] act = new double[ffn];
        for (int i = 0; i < ffn; i++) {
            act[i] = silu(gate[i]) * up[i];
        }
        return linear(weights.get(LlamaLayout.downProj(layer)), config.hiddenSize(), linearInputs.apply(act));
    }

    /** Rotate-half rotary embedding of one head vector at a position. */
    private double[] rope(double[] x, int position) {
        int hd = x.length;
        int half = hd / 2;
        double[] out = new double[hd];
        for (int i = 0; i < hd; i++) {
            double angle = position * invFreq[i % half];
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            if (i < half) {
                out[i] = x[i] * cos - x[i + half] * sin;
            } else {
                out[i] = x[i] * cos + x[i - half] * sin;
            }
        }
        return out;
    }

    /** {@code x / sqrt(mean(x^2) + eps) * w}. */
    private double[] rmsNorm(double[] x, float[] w) {
        double sumSq = 0;
        for (double value : x) {
            sumSq += value * value;
        }
        double inv = 1.0 / Math.sqrt(sumSq / x.length + config.rmsNormEps());
        double[] out = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i] * inv * w[i];
        }
        return out;
    }

    /** {@code y = W x} with {@code W} stored row-major as {@code [out, in]}, {@code in = x.length}. */
    private static double[] linear(float[] w, int out, double[] x) {
        int in = x.length;
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = 0;
            for (int i = 0; i < in; i++) {
                s += w[o * in + i] * x[i];
            }
            y[o] = s;
        }
        return y;
    }

    private static double silu(double x) {
        return x / (1 + Math.exp(-x));
    }

    private static double[] slice(double[] a, int from, int length) {
        double[] out = new double[length];
        System.arraycopy(a, from, out, 0, length);
        return out;
    }
}
