package dev.topiary.llamacpp;

/**
 * The result of greedy generation by {@link LlamaCppModel#generate}.
 *
 * @param tokens the generated ids, without the prompt and without the end-of-generation token
 * @param decodeTokensPerSecond one-token decode steps per second, timed over those steps only (not the prompt);
 *     0 when no single-token step ran
 */
public record Generation(int[] tokens, double decodeTokensPerSecond) {
}
