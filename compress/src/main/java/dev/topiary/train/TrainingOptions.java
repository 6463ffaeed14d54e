package dev.topiary.train;

/**
 * How a model is trained: schedule, batch geometry, AdamW settings, clipping and seed.
 *
 * @param schedule learning rate per optimizer step; its total is the run's length
 * @param batchSize sequences per micro-batch
 * @param sequenceLength tokens per sequence
 * @param accumulationSteps micro-batches whose gradients add up to one optimizer step
 * @param weightDecay decoupled weight decay of matrices
 * @param beta1 AdamW's first-moment decay
 * @param beta2 AdamW's second-moment decay
 * @param epsilon AdamW's denominator guard
 * @param maxGradNorm gradients are scaled down when their global L2 norm exceeds this (0 turns clipping off)
 */
public record TrainingOptions(LearningRateSchedule schedule, int batchSize, int sequenceLength,
        int accumulationSteps, double weightDecay, double beta1, double beta2, double epsilon, double maxGradNorm) {

    public TrainingOptions {
        if (batchSize <= 0 || sequenceLength <= 0 || accumulationSteps <= 0) {
            throw new IllegalArgumentException("batch size, sequence length and accumulation steps must be positive,"
                    + " got " + batchSize + ", " + sequenceLength + " and " + accumulationSteps);
        }
        if (weightDecay < 0 || maxGradNorm < 0 || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)
                || !(epsilon > 0)) {
            throw new IllegalArgumentException("need weight decay >= 0, max grad norm >= 0, betas in [0, 1) and"
                    + " epsilon > 0");
        }
    }

    /**
     * AdamW (0.9, 0.95, 1e-8), weight decay 0.1, clipping at 1.0, no accumulation: the usual Llama pre-training
     * settings, with the given schedule and batch geometry.
     */
    public static TrainingOptions of(LearningRateSchedule schedule, int batchSize, int sequenceLength) {
        return new TrainingOptions(schedule, batchSize, sequenceLength, 1, 0.1, 0.9, 0.95, 1e-8, 1.0);
    }

    public TrainingOptions withSchedule(LearningRateSchedule schedule) {
        return new TrainingOptions(schedule, batchSize, sequenceLength, accumulationSteps, weightDecay, beta1, beta2,
                epsilon, maxGradNorm);
    }

    public TrainingOptions withAccumulationSteps(int steps) {
        return new TrainingOptions(schedule, batchSize, sequenceLength, steps, weightDecay, beta1, beta2, epsilon,
                maxGradNorm);
    }

    public TrainingOptions withWeightDecay(double decay) {
        return new TrainingOptions(schedule, batchSize, sequenceLength, accumulationSteps, decay, beta1, beta2,
                epsilon, maxGradNorm);
    }

    public TrainingOptions withMaxGradNorm(double norm) {
        return new TrainingOptions(schedule, batchSize, sequenceLength, accumulationSteps, weightDecay, beta1, beta2,
                epsilon, norm);
    }

    /** Tokens one optimizer step trains on. */
    public long tokensPerStep() {
        return (long) batchSize * sequenceLength * accumulationSteps;
    }
}
