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
                float[] last;
                try (NDArray ids = m.create(step, new Shape(1, step.length));
                        NDArray logits = model.forward(ids, cache);
                        NDArray row = logits.get(new NDIndex(0, step.length - 1))) {
                    last = row.toFloatArray();
                }
                int token = sampler.next(last);
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
