package dev.topiary.train;

/**
 * Token ids for one training or evaluation step: {@code batchSize} sequences of {@code sequenceLength} inputs,
 * each with the next token as its target, row-major.
 */
public record TokenBatch(int[] inputs, int[] targets, int batchSize, int sequenceLength) {

    public TokenBatch {
        int n = Math.multiplyExact(batchSize, sequenceLength);
        if (inputs.length != n || targets.length != n) {
            throw new IllegalArgumentException("a batch of " + batchSize + " x " + sequenceLength + " needs " + n
                    + " inputs and targets, got " + inputs.length + " and " + targets.length);
        }
    }

    public int tokens() {
        return inputs.length;
    }
}
