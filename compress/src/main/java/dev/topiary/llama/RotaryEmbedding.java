package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.topiary.engine.JavaArrays;

/**
 * Rotary position embeddings in Hugging Face's convention: the two halves of a head vector are the real and
 * imaginary parts ("rotate half"), with Llama 3's frequency scaling when the config asks for it.
 *
 * <p>Angles are computed in double precision in Java, so positions far into a long context keep their accuracy.
 */
public final class RotaryEmbedding {

    private final double[] inverseFrequencies;
    private final int headDim;

    RotaryEmbedding(LlamaConfig config) {
        this.headDim = config.headDim();
        this.inverseFrequencies = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    /**
     * How much llama3 scaling divides each rotary frequency of {@code config}: {@code d/2} factors, all 1 without
     * scaling. This is what GGUF stores as {@code rope_freqs.weight}.
     */
    public static float[] frequencyFactors(LlamaConfig config) {
        double[] plain = inverseFrequencies(config.headDim(), config.ropeTheta(), null);
        double[] scaled = inverseFrequencies(config.headDim(), config.ropeTheta(), config.ropeScaling());
        float[] factors = new float[plain.length];
        for (int j = 0; j < plain.length; j++) {
            factors[j] = (float) (plain[j] / scaled[j]);
        }
        return factors;
    }

    /** theta^(-2j/d) for j in [0, d/2), stretched by llama3 scaling when given. */
    static double[] inverseFrequencies(int headDim, double theta, RopeScaling scaling) {
        int half = headDim / 2;
        double[] inv = new double[half];
        for (int j = 0; j < half; j++) {
            inv[j] = 1.0 / Math.pow(theta, (2.0 * j) / headDim);
            if (scaling != null) {
                inv[j] = llama3Scaled(inv[j], scaling);
            }
        }
        return inv;
    }

    private static double llama3Scaled(double inv, RopeScaling s) {
        double wavelength = 2 * Math.PI / inv;
        double lowFreqWavelength = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
        double highFreqWavelength = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
        if (wavelength > lowFreqWavelength) {
            return inv / s.factor();
        }
        if (wavelength < highFreqWavelength) {
            return inv;
        }
        double smooth = (s.originalMaxPositionEmbeddings() / wavelength - s.lowFreqFactor())
                / (s.highFreqFactor() - s.lowFreqFactor());
        return (1 - smooth) * inv / s.factor() + smooth * inv;
    }

    /** Cosines and sines for positions [start, start + length), each {@code [length, headDim]} in {@code type}. */
    NDArray[] table(NDManager manager, int start, int length, DataType type) {
        int half = headDim / 2;
        float[] cos = new float[length * headDim];
        float[] sin = new float[length * headDim];
        for (int t = 0; t < length; t++) {
            for (int j = 0; j < half; j++) {
                double angle = (start + t) * inverseFrequencies[j];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                int row = t * headDim;
                cos[row + j] = c;
                cos[row + j + half] = c;
                sin[row + j] = s;
                sin[row + j + half] = s;
            }
        }
        Shape shape = new Shape(length, headDim);
        return new NDArray[] {
            JavaArrays.floats(manager, cos, shape).toType(type, false),
            JavaArrays.floats(manager, sin, shape).toType(type, false)
        };
    }

    /** Rotates {@code x} of shape {@code [..., T, headDim]} by the table's angles. */
    static NDArray apply(NDArray x, NDArray[] table) {
        long half = x.getShape().tail() / 2;
        NDArray first = x.get(new NDIndex("..., :{}", half));
        NDArray second = x.get(new NDIndex("..., {}:", half));
        NDArray rotated = second.neg().concat(first, -1);
        return x.mul(table[0]).add(rotated.mul(table[1]));
    }
}
