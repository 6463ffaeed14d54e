package dev.topiary.llama;

import java.util.Arrays;
import java.util.SplittableRandom;

/** Picks a token from one position's logits: greedily, or by temperature and top-p (nucleus) sampling. */
final class TokenSampler {

    private final double temperature;
    private final double topP;
    private final SplittableRandom random;

    TokenSampler(GenerationOptions options) {
        this.temperature = options.temperature();
        this.topP = options.topP();
        this.random = new SplittableRandom(options.seed());
    }

    int next(float[] logits) {
        if (temperature == 0) {
            return argmax(logits);
        }
        Integer[] order = new Integer[logits.length];
        double[] probabilities = softmax(logits, temperature);
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
        // The nucleus: the most likely tokens until their mass reaches topP (always at least one).
        int kept = 0;
        double mass = 0;
        while (kept < order.length && (kept == 0 || mass < topP)) {
            mass += probabilities[order[kept++]];
        }
        double u = random.nextDouble() * mass;
        for (int i = 0; i < kept; i++) {
            u -= probabilities[order[i]];
            if (u < 0) {
                return order[i];
            }
        }
        return order[kept - 1];
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    static double[] softmax(float[] logits, double temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            p[i] = Math.exp((logits[i] - max) / temperature);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
