package dev.topiary.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A Llama whose layers add nothing (attention and MLP output projections are zero), so the next-token distribution
 * depends on the current token alone: {@code softmax(head . norm(embed[token]))}. Its log-probabilities can be
 * computed by hand, which makes it the independent truth for evaluation tests.
 */
final class BigramModel {

    final LlamaConfig config;
    final Map<String, float[]> weights = new LinkedHashMap<>();

    BigramModel(int vocab, long seed) {
        config = LlamaConfig.builder().setHiddenSize(16).setIntermediateSize(56).setNumAttentionHeads(4)
                .optNumKeyValueHeads(1).setNumHiddenLayers(1).setVocabSize(vocab).optMaxPositionEmbeddings(512)
                .build();
        Random random = new Random(seed);
        LlamaLayout.shapes(config).forEach((name, shape) -> {
            long size = 1;
            for (long s : shape) {
                size *= s;
            }
            float[] data = new float[(int) size];
            boolean zero = name.equals(LlamaLayout.oProj(0)) || name.equals(LlamaLayout.downProj(0));
            for (int i = 0; i < data.length && !zero; i++) {
                data[i] = shape.length == 1 ? (float) (1 + 0.3 * random.nextGaussian()) : (float) random.nextGaussian();
            }
            weights.put(name, data);
        });
    }

    Llama toModel(NDManager manager) {
        Map<String, NDArray> tensors = new LinkedHashMap<>();
        weights.forEach((name, data) -> tensors.put(name,
                manager.create(data, new Shape(LlamaLayout.shapes(config).get(name)))));
        return Llama.fromParameters(config, tensors, "bigram test model");
    }

    /** log p(next | current), computed in double precision. */
    double logProbability(int current, int next) {
        int d = config.hiddenSize();
        int vocab = config.vocabSize();
        float[] embed = weights.get(LlamaLayout.EMBED_TOKENS);
        float[] norm = weights.get(LlamaLayout.FINAL_NORM);
        float[] head = weights.get(LlamaLayout.LM_HEAD);
        double ss = 0;
        for (int i = 0; i < d; i++) {
            ss += (double) embed[current * d + i] * embed[current * d + i];
        }
        double inv = 1 / Math.sqrt(ss / d + config.rmsNormEps());
        double[] logits = new double[vocab];
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            for (int i = 0; i < d; i++) {
                logits[v] += head[v * d + i] * embed[current * d + i] * inv * norm[i];
            }
            max = Math.max(max, logits[v]);
        }
        double sum = 0;
        for (double l : logits) {
            sum += Math.exp(l - max);
        }
        return logits[next] - max - Math.log(sum);
    }
}
