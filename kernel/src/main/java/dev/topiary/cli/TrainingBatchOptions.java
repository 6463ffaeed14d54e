package dev.topiary.cli;

import dev.topiary.Training;
import picocli.CommandLine.Option;

/** The batches a training command reads: their shape and the seed of their order, the DSL's defaults unless given. */
final class TrainingBatchOptions {

    @Option(names = "--seq-len", defaultValue = "" + Training.DEFAULT_SEQUENCE_LENGTH, paramLabel = "N",
            description = "default: ${DEFAULT-VALUE}")
    int sequenceLength;

    @Option(names = "--batch-size", defaultValue = "" + Training.DEFAULT_BATCH_SIZE, paramLabel = "N",
            description = "default: ${DEFAULT-VALUE}")
    int batchSize;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "data order (default: 0)")
    long seed;

    /** {@code training} reading batches of this shape in this order. */
    Training applyTo(Training training) {
        return training.withBatch(batchSize, sequenceLength).withSeed(seed);
    }
}
