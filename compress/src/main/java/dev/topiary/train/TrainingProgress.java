package dev.topiary.train;

/**
 * Where a training run stands after an optimizer step.
 *
 * @param step optimizer steps taken so far (1 after the first)
 * @param totalSteps the run's planned length
 * @param tokens tokens trained on so far
 * @param loss the step's mean training loss
 * @param learningRate the rate the step used
 * @param tokensPerSecond throughput of the step
 * @param skipped whether the step was skipped because its gradients overflowed
 */
public record TrainingProgress(long step, long totalSteps, long tokens, double loss, double learningRate,
        double tokensPerSecond, boolean skipped) {

    @Override
    public String toString() {
        return String.format("step %d/%d  tokens %,d  loss %.4f  lr %.2e  %.0f tokens/s%s", step, totalSteps, tokens,
                loss, learningRate, tokensPerSecond, skipped ? "  (skipped: gradients overflowed)" : "");
    }
}
