package dev.topiary.llamacpp;

import com.sun.jna.Callback;
import com.sun.jna.Library;
import com.sun.jna.Pointer;

/**
 * The C functions of llama.cpp build b4916 (and of its ggml and gguf parts) that Topiary calls, as a JNA interface
 * over the bundled native library; obtain it from {@link LlamaCppLibrary#functions()}.
 *
 * <p>Type mapping for Linux x86_64: {@code size_t}, {@code int64_t} and {@code uint64_t} are {@code long}; enums,
 * {@code int32_t}, {@code uint32_t} and {@code llama_token} are {@code int}; C {@code bool} is {@code byte} (JNA's
 * {@code boolean} would be four bytes); opaque handles and {@code const char *} results are {@link Pointer}. Many
 * ggml and gguf accessors abort the process on a wrong key type or an index out of range, so callers check first.
 */
public interface LlamaCppFunctions extends Library {

    /** {@code ggml_log_callback}: {@code void (*)(enum ggml_log_level level, const char * text, void * user_data)}. */
    interface LogCallback extends Callback {
        /**
         * Receives one log message or part of one.
         *
         * @param level {@code enum ggml_log_level}: 1 debug, 2 info, 3 warn, 4 error, 5 continuation of the last
         * @param text the NUL-terminated message
         * @param userData the pointer given to llama_log_set
         */
        void invoke(int level, Pointer text, Pointer userData);
    }

    // ---- llama.h ----

    /** {@code void llama_backend_init(void)}: initializes ggml (including its fp16 tables); call once. */
    void llama_backend_init();

    /**
     * {@code void llama_log_set(ggml_log_callback log_callback, void * user_data)}: routes llama.cpp's and ggml's log.
     *
     * @param callback the receiver, kept strongly reachable by the caller for as long as the library lives
     * @param userData passed back to the callback
     */
    void llama_log_set(LogCallback callback, Pointer userData);

    /**
     * {@code void ggml_log_set(ggml_log_callback log_callback, void * user_data)}: routes ggml's own log, which
     * llama_log_set does not reach in this build. (The gguf parser of this build still writes its errors straight to
     * stderr.)
     *
     * @param callback the receiver, kept strongly reachable by the caller for as long as the library lives
     * @param userData passed back to the callback
     */
    void ggml_log_set(LogCallback callback, Pointer userData);

    /** @return {@code struct llama_model_params llama_model_default_params(void)} */
    LlamaModelParams llama_model_default_params();

    /** @return {@code struct llama_context_params llama_context_default_params(void)} */
    LlamaContextParams llama_context_default_params();

    /**
     * {@code struct llama_model * llama_model_load_from_file(const char * path_model, struct llama_model_params)}.
     *
     * @param path the GGUF file
     * @param params the model parameters, by value
     * @return the model, or null on failure
     */
    Pointer llama_model_load_from_file(String path, LlamaModelParams params);

    /** @param model {@code void llama_model_free(struct llama_model * model)} */
    void llama_model_free(Pointer model);

    /**
     * {@code struct llama_context * llama_init_from_model(struct llama_model * model, struct llama_context_params)}.
     *
     * @param model the loaded model
     * @param params the context parameters, by value
     * @return the context, or null on failure
     */
    Pointer llama_init_from_model(Pointer model, LlamaContextParams params);

    /** @param ctx {@code void llama_free(struct llama_context * ctx)} */
    void llama_free(Pointer ctx);

    /**
     * @param model the model
     * @return {@code const struct llama_vocab * llama_model_get_vocab(const struct llama_model * model)}
     */
    Pointer llama_model_get_vocab(Pointer model);

    /**
     * @param model the model
     * @return {@code uint64_t llama_model_n_params(const struct llama_model * model)}
     */
    long llama_model_n_params(Pointer model);

    /**
     * @param vocab the vocabulary
     * @return {@code int32_t llama_vocab_n_tokens(const struct llama_vocab * vocab)}
     */
    int llama_vocab_n_tokens(Pointer vocab);

    /**
     * {@code bool llama_vocab_is_eog(const struct llama_vocab * vocab, llama_token token)}.
     *
     * @param vocab the vocabulary
     * @param token a token id
     * @return nonzero when the token ends generation (EOS, EOT, ...)
     */
    byte llama_vocab_is_eog(Pointer vocab, int token);

    /**
     * {@code int32_t llama_tokenize(const struct llama_vocab * vocab, const char * text, int32_t text_len,
     * llama_token * tokens, int32_t n_tokens_max, bool add_special, bool parse_special)}.
     *
     * @param vocab the vocabulary
     * @param text UTF-8 bytes (no NUL needed)
     * @param textLength the number of bytes of text
     * @param tokens receives the ids
     * @param maxTokens the capacity of tokens
     * @param addSpecial nonzero to add BOS/EOS as the model asks
     * @param parseSpecial nonzero to parse special-token text as special tokens
     * @return the number of tokens, or minus the number needed when tokens is too small
     */
    int llama_tokenize(Pointer vocab, byte[] text, int textLength, int[] tokens, int maxTokens, byte addSpecial,
            byte parseSpecial);

    /** @param ctx {@code void llama_kv_self_clear(struct llama_context * ctx)}: empties the KV cache */
    void llama_kv_self_clear(Pointer ctx);

    /**
     * {@code struct llama_batch llama_batch_get_one(llama_token * tokens, int32_t n_tokens)}.
     *
     * @param tokens native memory holding the ids, alive until the decode that takes the batch returns
     * @param nTokens the number of ids
     * @return a batch of one sequence that continues after the cache
     */
    LlamaBatch llama_batch_get_one(Pointer tokens, int nTokens);

    /**
     * {@code int32_t llama_decode(struct llama_context * ctx, struct llama_batch batch)}.
     *
     * @param ctx the context
     * @param batch the batch, by value
     * @return 0 on success, 1 when no KV cache slot was found, negative on error
     */
    int llama_decode(Pointer ctx, LlamaBatch batch);

    /**
     * @param ctx the context
     * @return {@code float * llama_get_logits(struct llama_context * ctx)}: the logits of the last decode, one row of
     *     n_vocab floats per token that asked for logits
     */
    Pointer llama_get_logits(Pointer ctx);

    // ---- gguf.h ----

    /**
     * {@code struct gguf_context * gguf_init_from_file(const char * fname, struct gguf_init_params params)}.
     *
     * @param path the file
     * @param params by value
     * @return the context, or null when the file cannot be read or is not valid GGUF
     */
    Pointer gguf_init_from_file(String path, GgufInitParams params);

    /** @param ctx {@code void gguf_free(struct gguf_context * ctx)} */
    void gguf_free(Pointer ctx);

    /** @param ctx the context @return {@code uint32_t gguf_get_version(const struct gguf_context *)} */
    int gguf_get_version(Pointer ctx);

    /** @param ctx the context @return {@code size_t gguf_get_alignment(const struct gguf_context *)} */
    long gguf_get_alignment(Pointer ctx);

    /** @param ctx the context @return {@code size_t gguf_get_data_offset(const struct gguf_context *)} */
    long gguf_get_data_offset(Pointer ctx);

    /** @param ctx the context @return {@code int64_t gguf_get_n_kv(const struct gguf_context *)} */
    long gguf_get_n_kv(Pointer ctx);

    /**
     * @param ctx the context
     * @param key the key
     * @return {@code int64_t gguf_find_key(const struct gguf_context *, const char * key)}: the id, or -1
     */
    long gguf_find_key(Pointer ctx, String key);

    /** @param ctx the context @param id key id @return {@code const char * gguf_get_key(ctx, int64_t key_id)} */
    Pointer gguf_get_key(Pointer ctx, long id);

    /** @param ctx the context @param id key id @return {@code enum gguf_type gguf_get_kv_type(ctx, int64_t)} */
    int gguf_get_kv_type(Pointer ctx, long id);

    /** @param ctx the context @param id key id @return {@code enum gguf_type gguf_get_arr_type(ctx, int64_t)} */
    int gguf_get_arr_type(Pointer ctx, long id);

    /** @param ctx the context @param id key id of a UINT32 @return {@code uint32_t gguf_get_val_u32(ctx, id)} */
    int gguf_get_val_u32(Pointer ctx, long id);

    /** @param ctx the context @param id key id of an INT32 @return {@code int32_t gguf_get_val_i32(ctx, id)} */
    int gguf_get_val_i32(Pointer ctx, long id);

    /** @param ctx the context @param id key id of a UINT64 @return {@code uint64_t gguf_get_val_u64(ctx, id)} */
    long gguf_get_val_u64(Pointer ctx, long id);

    /** @param ctx the context @param id key id of a FLOAT32 @return {@code float gguf_get_val_f32(ctx, id)} */
    float gguf_get_val_f32(Pointer ctx, long id);

    /** @param ctx the context @param id key id of a BOOL @return {@code bool gguf_get_val_bool(ctx, id)} */
    byte gguf_get_val_bool(Pointer ctx, long id);

    /** @param ctx the context @param id key id of a STRING @return {@code const char * gguf_get_val_str(ctx, id)} */
    Pointer gguf_get_val_str(Pointer ctx, long id);

    /** @param ctx the context @param id key id of an ARRAY @return {@code size_t gguf_get_arr_n(ctx, id)} */
    long gguf_get_arr_n(Pointer ctx, long id);

    /**
     * @param ctx the context
     * @param id key id of an array of a non-string type
     * @return {@code const void * gguf_get_arr_data(ctx, id)}: the first element
     */
    Pointer gguf_get_arr_data(Pointer ctx, long id);

    /**
     * @param ctx the context
     * @param id key id of an array of strings
     * @param i the element index
     * @return {@code const char * gguf_get_arr_str(ctx, int64_t key_id, size_t i)}
     */
    Pointer gguf_get_arr_str(Pointer ctx, long id, long i);

    /** @param ctx the context @return {@code int64_t gguf_get_n_tensors(const struct gguf_context *)} */
    long gguf_get_n_tensors(Pointer ctx);

    /** @param ctx the context @param name a tensor name @return {@code int64_t gguf_find_tensor(ctx, name)}, or -1 */
    long gguf_find_tensor(Pointer ctx, String name);

    /** @param ctx the context @param id tensor id @return {@code const char * gguf_get_tensor_name(ctx, id)} */
    Pointer gguf_get_tensor_name(Pointer ctx, long id);

    /** @param ctx the context @param id tensor id @return {@code enum ggml_type gguf_get_tensor_type(ctx, id)} */
    int gguf_get_tensor_type(Pointer ctx, long id);

    /**
     * @param ctx the context
     * @param id tensor id
     * @return {@code size_t gguf_get_tensor_offset(ctx, id)}: from the start of the data section
     */
    long gguf_get_tensor_offset(Pointer ctx, long id);

    /** @param ctx the context @param id tensor id @return {@code size_t gguf_get_tensor_size(ctx, id)} in bytes */
    long gguf_get_tensor_size(Pointer ctx, long id);

    // ---- ggml dequantizers: void f(const block * x, float * y, int64_t k), k a multiple of the block size ----

    /** @param x Q4_0 blocks @param y receives k floats @param k element count, a multiple of 32 */
    void dequantize_row_q4_0(byte[] x, float[] y, long k);

    /** @param x Q4_1 blocks @param y receives k floats @param k element count, a multiple of 32 */
    void dequantize_row_q4_1(byte[] x, float[] y, long k);

    /** @param x Q8_0 blocks @param y receives k floats @param k element count, a multiple of 32 */
    void dequantize_row_q8_0(byte[] x, float[] y, long k);

    /** @param x Q4_K super-blocks @param y receives k floats @param k element count, a multiple of 256 */
    void dequantize_row_q4_K(byte[] x, float[] y, long k);

    /** @param x Q6_K super-blocks @param y receives k floats @param k element count, a multiple of 256 */
    void dequantize_row_q6_K(byte[] x, float[] y, long k);

    /** @param x IEEE half floats @param y receives n floats @param n element count */
    void ggml_fp16_to_fp32_row(byte[] x, float[] y, long n);
}
