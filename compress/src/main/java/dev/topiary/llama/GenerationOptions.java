package dev.topiary.llama;

/**
 * How {@link Generator} picks each next token.
 *
 * @param maxNewTokens the most tokens to add after the prompt
 * @param temperature 0 for greedy decoding (always the most likely token); otherwise logits are divided by it
 *     before sampling
 * @param topP nucleus sampling: sample only among the most likely tokens whose probabilities add up to at least
 *     this (1 keeps every token)
 * @param seed seeds the sampler, so a sampled continuation is repeatable
 * @param stopAtEos end as soon as one of the config's end-of-sequence tokens is produced (it is kept in the output)
 */
public record GenerationOptions(int maxNewTokens, double temperature, double topP, long seed, boolean stopAtEos) {

    public GenerationOptions {
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("maxNewTokens must be >= 0, got " + maxNewTokens);
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
        }
    }

    /** Greedy decoding of up to {@code maxNewTokens}, stopping at end-of-sequence. */
    public static GenerationOptions greedy(int maxNewTokens) {
        return new GenerationOptions(maxNewTokens, 0, 1, 0, true);
    }

    /** Sampling at {@code temperature} among the top-p nucleus, with a seed. */
    public static GenerationOptions sampled(int maxNewTokens, double temperature, double topP, long seed) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, true);
    }

    public GenerationOptions withMaxNewTokens(int n) {
        return new GenerationOptions(n, temperature, topP, seed, stopAtEos);
    }

    public GenerationOptions withStopAtEos(boolean stop) {
        return new GenerationOptions(maxNewTokens, temperature, topP, seed, stop);
    }
}
