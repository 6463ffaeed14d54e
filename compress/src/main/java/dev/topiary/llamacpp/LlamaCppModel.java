package dev.topiary.llamacpp;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.topiary.TopiaryException;

import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A GGUF model run in this process by llama.cpp on the CPU: tokenization, the logits of a whole sequence, and greedy
 * generation with its decode speed. It is the reference runtime a Topiary export is checked against.
 *
 * <p>The context computes logits for every token, and its batch holds a whole context, so a sequence of up to
 * {@code contextLength} tokens decodes in one call. Methods are synchronized (one llama.cpp context is not
 * thread-safe); close the model to free its native memory.
 */
public final class LlamaCppModel implements AutoCloseable {

    /** ggml's type id of F32, for the KV cache. */
    private static final int GGML_TYPE_F32 = 0;


    private final LlamaCppFunctions f;
    private final Path file;
    private final int contextLength;
    private final long fileBytes;
    private Pointer model;
    private Pointer ctx;
    private final Pointer vocab;
    private final int vocabularySize;

    private LlamaCppModel(LlamaCppFunctions f, Path file, int contextLength, long fileBytes, Pointer model,
            Pointer ctx) {
        this.f = f;
        this.file = file;
        this.contextLength = contextLength;
        this.fileBytes = fileBytes;
        this.model = model;
        this.ctx = ctx;
        this.vocab = f.llama_model_get_vocab(model);
        this.vocabularySize = f.llama_vocab_n_tokens(vocab);
    }

    /**
     * Loads a GGUF model onto the CPU and creates a context for sequences of up to {@code contextLength} tokens,
     * with logits for every position and as many threads as there are available processors.
     *
     * @param gguf the model file
     * @param contextLength the most tokens of one sequence (prompt plus generated), at least 1
     * @return the loaded model
     * @throws TopiaryException when the file is missing, llama.cpp cannot load it, or the context cannot be created
     */
    public static LlamaCppModel load(Path gguf, int contextLength) {
        if (contextLength < 1) {
            throw new TopiaryException("The context length for " + gguf + " must be at least 1, not "
                    + contextLength);
        }
        if (!Files.isRegularFile(gguf)) {
            throw new TopiaryException("Model file " + gguf + " does not exist or is not a regular file");
        }
        long bytes;
        try {
            bytes = Files.size(gguf);
        } catch (IOException e) {
            throw new TopiaryException("Cannot read the size of model file " + gguf + ": " + e.getMessage(), e);
        }
        LlamaCppFunctions f = LlamaCppLibrary.functions();
        LlamaCppLibrary.takeErrors();

        LlamaModelParams mp = f.llama_model_default_params();
        mp.n_gpu_layers = 0;
        mp.devices = null;
        Pointer model = f.llama_model_load_from_file(gguf.toAbsolutePath().toString(), mp);
        if (model == null) {
            throw new TopiaryException(LlamaCppLibrary.withLoggedErrors(
                    "llama.cpp cannot load model file " + gguf));
        }
        LlamaContextParams cp = f.llama_context_default_params();
        cp.n_ctx = contextLength;
        cp.n_batch = contextLength;
        cp.n_ubatch = contextLength;
        cp.n_seq_max = 1;
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        cp.n_threads = threads;
        cp.n_threads_batch = threads;
        cp.logits_all = 1;
        // The KV cache in F32 (llama.cpp's default is F16): this runtime is what exports are checked against, and
        // an F16 cache alone moves an F32 model's logits by about 1e-4.
        cp.type_k = GGML_TYPE_F32;
        cp.type_v = GGML_TYPE_F32;
        cp.embeddings = 0;
        cp.no_perf = 1;
        Pointer ctx = f.llama_init_from_model(model, cp);
        if (ctx == null) {
            f.llama_model_free(model);
            throw new TopiaryException(LlamaCppLibrary.withLoggedErrors(
                    "llama.cpp cannot create a context of " + contextLength + " tokens for model file " + gguf));
        }
        return new LlamaCppModel(f, gguf, contextLength, bytes, model, ctx);
    }

    /** @return the number of tokens in the model's vocabulary, the width of a logits row */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** @return the context length the model was loaded with */
    public int contextLength() {
        return contextLength;
    }

    /** @return the size of the GGUF file in bytes */
    public long fileBytes() {
        return fileBytes;
    }

    /** @return the number of parameters, as llama.cpp counts them */
    public synchronized long parameterCount() {
        return f.llama_model_n_params(model());
    }

    /**
     * Tokenizes text with the model's own tokenizer.
     *
     * @param text the text
     * @param addSpecial whether to add the special tokens the model asks for (BOS)
     * @return the token ids
     */
    public synchronized int[] tokenize(String text, boolean addSpecial) {
        model();
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        int[] tokens = new int[utf8.length + 8];
        int n = f.llama_tokenize(vocab, utf8, utf8.length, tokens, tokens.length, flag(addSpecial), (byte) 0);
        if (n < 0) {
            tokens = new int[-n];
            n = f.llama_tokenize(vocab, utf8, utf8.length, tokens, tokens.length, flag(addSpecial), (byte) 0);
        }
        if (n < 0) {
            throw new TopiaryException(LlamaCppLibrary.withLoggedErrors(
                    "llama.cpp cannot tokenize " + utf8.length + " bytes of text with " + file));
        }
        return java.util.Arrays.copyOf(tokens, n);
    }

    /**
     * The logits of every position of one sequence, decoded from an empty cache in one call.
     *
     * @param ids token ids, 1 to {@link #contextLength()} of them, each below {@link #vocabularySize()}
     * @return {@code [ids.length][vocabularySize()]}: row i predicts the token after {@code ids[i]}
     * @throws TopiaryException on an empty or too long sequence, an id outside the vocabulary, or a decode failure
     */
    public synchronized float[][] logits(int[] ids) {
        model();
        checkIds(ids, ids.length);
        f.llama_kv_self_clear(ctx);
        decode(ids);
        float[][] rows = new float[ids.length][];
        Pointer logits = logitsPointer();
        for (int i = 0; i < ids.length; i++) {
            rows[i] = logits.getFloatArray((long) i * vocabularySize * Float.BYTES, vocabularySize);
        }
        return rows;
    }

    /**
     * Greedy generation: the prompt is decoded in one call, then each new token is the argmax of the last logits and
     * is decoded alone, until an end-of-generation token, {@code maxNewTokens} tokens, or a full context.
     *
     * @param prompt token ids, 1 to {@link #contextLength()} of them
     * @param maxNewTokens the most tokens to generate, at least 0
     * @return the generated ids and the speed of the one-token decode steps
     * @throws TopiaryException on an empty or too long prompt, an id outside the vocabulary, or a decode failure
     */
    public synchronized Generation generate(int[] prompt, int maxNewTokens) {
        model();
        if (maxNewTokens < 0) {
            throw new TopiaryException("maxNewTokens must be at least 0, not " + maxNewTokens);
        }
        checkIds(prompt, prompt.length);
        f.llama_kv_self_clear(ctx);
        decode(prompt);
        float[] last = logitsPointer().getFloatArray((long) (prompt.length - 1) * vocabularySize * Float.BYTES,
                vocabularySize);
        int[] out = new int[maxNewTokens];
        int n = 0;
        int steps = 0;
        long nanos = 0;
        int used = prompt.length;
        while (n < maxNewTokens) {
            int next = argmax(last);
            if (f.llama_vocab_is_eog(vocab, next) != 0) {
                break;
            }
            out[n++] = next;
            if (n == maxNewTokens || used == contextLength) {
                break;
            }
            long start = System.nanoTime();
            decode(new int[] {next});
            nanos += System.nanoTime() - start;
            steps++;
            used++;
            last = logitsPointer().getFloatArray(0, vocabularySize);
        }
        double perSecond = steps == 0 || nanos == 0 ? 0 : steps / (nanos / 1e9);
        return new Generation(java.util.Arrays.copyOf(out, n), perSecond);
    }

    /** Frees the context and the model; later calls fail. */
    @Override
    public synchronized void close() {
        if (ctx != null) {
            f.llama_free(ctx);
            ctx = null;
        }
        if (model != null) {
            f.llama_model_free(model);
            model = null;
        }
    }

    private Pointer model() {
        if (model == null) {
            throw new IllegalStateException("LlamaCppModel of " + file + " is closed");
        }
        return model;
    }

    private void checkIds(int[] ids, int length) {
        if (length < 1 || length > contextLength) {
            throw new TopiaryException("A sequence for " + file + " must have 1 to " + contextLength
                    + " tokens (the context length it was loaded with), not " + length);
        }
        for (int i = 0; i < length; i++) {
            if (ids[i] < 0 || ids[i] >= vocabularySize) {
                throw new TopiaryException("Token id " + ids[i] + " at position " + i + " is outside the "
                        + vocabularySize + "-token vocabulary of " + file);
            }
        }
    }

    /** Decodes ids after what the cache holds; the ids' native copy lives until llama_decode returns. */
    private void decode(int[] ids) {
        Memory tokens = new Memory((long) ids.length * Integer.BYTES);
        tokens.write(0, ids, 0, ids.length);
        LlamaBatch batch = f.llama_batch_get_one(tokens, ids.length);
        // Every position's logits, asked for token by token: this build ignores the context's logits_all when the
        // batch leaves its flags null, and then outputs the last token's alone.
        Memory outputs = new Memory(ids.length);
        outputs.setMemory(0, ids.length, (byte) 1);
        batch.logits = outputs;
        LlamaCppLibrary.takeErrors();
        int result = f.llama_decode(ctx, batch);
        Reference.reachabilityFence(tokens);
        Reference.reachabilityFence(outputs);
        if (result != 0) {
            throw new TopiaryException(LlamaCppLibrary.withLoggedErrors("llama.cpp failed to decode "
                    + ids.length + " tokens with " + file + " (llama_decode returned " + result + ")"));
        }
    }

    private Pointer logitsPointer() {
        Pointer p = f.llama_get_logits(ctx);
        if (p == null) {
            throw new TopiaryException("llama.cpp returned no logits for " + file);
        }
        return p;
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }

    private static byte flag(boolean b) {
        return b ? (byte) 1 : (byte) 0;
    }
}
