package dev.topiary.llama;

/**
 * The {@code rope_scaling} block of a Llama 3.x config: the "llama3" frequency-dependent stretch of the rotary
 * frequencies that extends the context window from {@code originalMaxPositionEmbeddings} by {@code factor}.
 *
 * @param factor how much the lowest frequencies are divided by (8 for Llama-3.1)
 * @param lowFreqFactor wavelengths longer than originalMax / lowFreqFactor are fully scaled (1 for Llama-3.1)
 * @param highFreqFactor wavelengths shorter than originalMax / highFreqFactor are kept (4 for Llama-3.1)
 * @param originalMaxPositionEmbeddings the context length the model was pre-trained with (8192 for Llama-3.1)
 */
public record RopeScaling(
        double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositionEmbeddings) {

    /** The only scaling type Topiary implements; others are rejected when a config is read. */
    public static final String TYPE = "llama3";

    public RopeScaling {
        if (!(factor >= 1)) {
            throw new IllegalArgumentException("rope_scaling.factor must be >= 1, got " + factor);
        }
        if (!(lowFreqFactor > 0) || !(highFreqFactor > lowFreqFactor)) {
            throw new IllegalArgumentException("rope_scaling needs 0 < low_freq_factor < high_freq_factor, got "
                    + lowFreqFactor + " and " + highFreqFactor);
        }
        if (originalMaxPositionEmbeddings <= 0) {
            throw new IllegalArgumentException("rope_scaling.original_max_position_embeddings must be positive, got "
                    + originalMaxPositionEmbeddings);
        }
    }

    /** The values Llama-3.1 ships with. */
    public static RopeScaling llama31() {
        return new RopeScaling(8.0, 1.0, 4.0, 8192);
    }

    /** The values Llama-3.2 (1B and 3B) ships with: Llama-3.1's, with a factor of 32. */
    public static RopeScaling llama32() {
        return new RopeScaling(32.0, 1.0, 4.0, 8192);
    }
}
