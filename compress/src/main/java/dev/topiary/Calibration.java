package dev.topiary;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.data.PackedBatches;
import dev.topiary.train.BatchSource;

/**
 * The sequences forward passes are measured on, for pruning importance and GPTQ: {@code samples} sequences of
 * {@code sequenceLength} tokens from {@code data} (the model's default corpus when null), in batches.
 *
 * @param data calibration tokens, or null for the model's default corpus
 * @param samples sequences measured (Minitron uses 1024)
 * @param batchSize sequences per forward pass
 * @param sequenceLength tokens per sequence
 */
public record Calibration(Corpus data, int samples, int batchSize, int sequenceLength) {

    /** Minitron's calibration set size. */
    public static final int DEFAULT_SAMPLES = 1024;

    /** Sequences per forward pass of {@link #defaults()}. */
    public static final int DEFAULT_BATCH_SIZE = 8;

    /** Tokens per sequence of {@link #defaults()}. */
    public static final int DEFAULT_SEQUENCE_LENGTH = 256;

    public Calibration {
        if (samples < 1 || batchSize < 1 || sequenceLength < 1) {
            throw new TopiaryException("calibration needs samples, batch size and sequence length >= 1, got "
                    + samples + ", " + batchSize + " and " + sequenceLength);
        }
    }

    /**
     * {@value #DEFAULT_SAMPLES} sequences of {@value #DEFAULT_SEQUENCE_LENGTH} tokens in batches of
     * {@value #DEFAULT_BATCH_SIZE}, from the model's default corpus.
     */
    public static Calibration defaults() {
        return new Calibration(null, DEFAULT_SAMPLES, DEFAULT_BATCH_SIZE, DEFAULT_SEQUENCE_LENGTH);
    }

    public Calibration withData(Corpus corpus) {
        return new Calibration(corpus, samples, batchSize, sequenceLength);
    }

    public Calibration withSamples(int n) {
        return new Calibration(data, n, batchSize, sequenceLength);
    }

    public Calibration withBatch(int sequences, int length) {
        return new Calibration(data, samples, sequences, length);
    }

    /** Forward passes the calibration takes. */
    public int batches() {
        return (samples + batchSize - 1) / batchSize;
    }

    /** The batches, in a fixed order (seed 0), checking the data holds enough tokens for them. */
    BatchSource batchesOf(Corpus.Opened opened) {
        long needed = (long) samples * sequenceLength + 1;
        long available = opened.dataset().totalTokens();
        if (available < needed) {
            throw new TopiaryException("calibration data " + data + " holds " + available + " tokens, fewer than the "
                    + samples + " x " + sequenceLength + " asked for: give more data or fewer samples");
        }
        return new PackedBatches(opened.dataset(), sequenceLength, batchSize, 0);
    }

    /** These settings with the model's default corpus filled in when none was given. */
    Calibration resolve(ModelDefaults defaults, String verb) {
        return data != null ? this : withData(defaults.trainingData(verb));
    }

    ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.set("data", data.toJson());
        return json.put("samples", samples).put("batch_size", batchSize).put("sequence_length", sequenceLength);
    }

    static Calibration fromJson(JsonNode json) {
        return new Calibration(Corpus.fromJson(json.path("data")), json.path("samples").asInt(),
                json.path("batch_size").asInt(), json.path("sequence_length").asInt());
    }

    @Override
    public String toString() {
        return samples + " x " + sequenceLength + " tokens of " + (data != null ? data : "the default corpus");
    }
}
