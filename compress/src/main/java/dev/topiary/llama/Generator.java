package dev.topiary.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import dev.topiary.TopiaryException;
import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation with a KV cache: the prompt in one forward pass, then one token per step.
 */
public final class Generator {

    private Generator() {}

    /** The new tokens (not the prompt) that {@code model} continues {@code prompt} with. */
    public static int[] generate(Llama model, int[] prompt, GenerationOptions options) {
        return generate(model, prompt, options, token -> { });
    }

    /**
     * As {@link #generate(Llama, int[], GenerationOptions)}, telling {@code onToken} of each token as soon as it is
     * chosen (to stream text). Generation also ends at the model's {@code max_position_embeddings}.
     */
    public static int[] generate(Llama model, int[] prompt, GenerationOptions options, IntConsumer onToken) {
        return generate(model, prompt, options, onToken, (m, step, cache) -> lastLogits(model, m, step, cache));
    }

    /**
     * A continuation decoded with early exit, and where each of its tokens left.
     *
     * @param tokens the new tokens
     * @param layersRun for each token, the decoder layers run to choose it: every layer for the first (the prompt
     *     runs in full), then those {@link Llama#forwardExiting} ran
     */
    public record Exiting(int[] tokens, int[] layersRun) {}

    /**
     * As {@link #generate(Llama, int[], GenerationOptions)}, each token after the prompt decoded by
     * {@link Llama#forwardExiting} at {@code threshold}.
     */
    public static Exiting generateExiting(Llama model, int[] prompt, GenerationOptions options, double threshold) {
        int[] layers = new int[Math.max(0, options.maxNewTokens())];
        int[] decoded = {0};
        int[] tokens = generate(model, prompt, options, token -> { }, (m, step, cache) -> {
            if (step.length > 1 || cache.length() == 0) {
                layers[decoded[0]++] = model.config().numHiddenLayers();
                return lastLogits(model, m, step, cache);
            }
            Llama.ExitStep exit = model.forwardExiting(m.create(step, new Shape(1, 1)), cache, threshold);
            try (NDArray logits = exit.logits()) {
                layers[decoded[0]++] = exit.layersRun();
                return logits.toFloatArray();
            }
        });
        return new Exiting(tokens, Arrays.copyOf(layers, tokens.length));
    }

    /** The next-token logits after one decoding step's ids, the cache holding the positions before them. */
    @FunctionalInterface
    private interface Decoder {
        float[] next(NDManager m, int[] step, KvCache cache);
    }

    private static float[] lastLogits(Llama model, NDManager m, int[] step, KvCache cache) {
        try (NDArray ids = m.create(step, new Shape(1, step.length));
                NDArray logits = model.forward(ids, cache);
                NDArray row = logits.get(new NDIndex(0, step.length - 1))) {
            return row.toFloatArray();
        }
    }

    private static int[] generate(Llama model, int[] prompt, GenerationOptions options, IntConsumer onToken,
            Decoder decoder) {
        LlamaConfig config = model.config();
        if (prompt.length == 0) {
            throw new TopiaryException("the prompt must hold at least one token");
        }
        if (prompt.length > config.maxPositionEmbeddings()) {
            throw new TopiaryException("the prompt has " + prompt.length + " tokens, more than max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        int budget = Math.min(options.maxNewTokens(), config.maxPositionEmbeddings() - prompt.length);
        TokenSampler sampler = new TokenSampler(options);
        int[] out = new int[budget];
        int produced = 0;
        try (NDManager m = model.manager().newSubManager(); KvCache cache = model.newCache()) {
            int[] step = prompt;
            while (produced < budget) {
                int token = sampler.next(decoder.next(m, step, cache));
                out[produced++] = token;
                onToken.accept(token);
                if (options.stopAtEos() && config.eosTokenIds().contains(token)) {
                    break;
                }
                step = new int[] {token};
            }
        }
        return Arrays.copyOf(out, produced);
    }

    /**
     * A one-line warning when the {@code generated} continuation of a prompt of {@code promptLength} tokens stopped
     * because it reached the model's {@code max_position_embeddings} before {@code options.maxNewTokens()} tokens or
     * an end token; null when it stopped for one of those.
     */
    public static String contextLimitWarning(LlamaConfig config, int promptLength, int[] generated,
            GenerationOptions options) {
        int limit = config.maxPositionEmbeddings();
        boolean ended = options.stopAtEos() && generated.length > 0
                && config.eosTokenIds().contains(generated[generated.length - 1]);
        if (ended || generated.length >= options.maxNewTokens() || promptLength + generated.length < limit) {
            return null;
        }
        return "generation stopped at max_position_embeddings (" + limit + ") after " + generated.length
                + " tokens, of the " + options.maxNewTokens() + " asked for (the prompt holds " + promptLength + ")";
    }
}
