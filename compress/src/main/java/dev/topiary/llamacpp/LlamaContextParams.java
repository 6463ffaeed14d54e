package dev.topiary.llamacpp;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct llama_context_params} of llama.cpp build b4916, passed by value: 120 bytes on Linux x86_64.
 *
 * <p>Offsets (checked against the disassembly of {@code llama_context_default_params} in the bundled library, and
 * by {@code LlamaCppStructsTest}): 0 n_ctx, 4 n_batch, 8 n_ubatch, 12 n_seq_max, 16 n_threads, 20 n_threads_batch,
 * 24 rope_scaling_type, 28 pooling_type, 32 attention_type, 36 rope_freq_base, 40 rope_freq_scale,
 * 44 yarn_ext_factor, 48 yarn_attn_factor, 52 yarn_beta_fast, 56 yarn_beta_slow, 60 yarn_orig_ctx, 64 defrag_thold,
 * 72 cb_eval, 80 cb_eval_user_data, 88 type_k, 92 type_v, 96 logits_all, 97 embeddings, 98 offload_kqv,
 * 99 flash_attn, 100 no_perf, 104 abort_callback, 112 abort_callback_data. This build predates the later
 * flash_attn_type, swa_full, op_offload and kv_unified fields, and still has logits_all.
 */
@Structure.FieldOrder({"n_ctx", "n_batch", "n_ubatch", "n_seq_max", "n_threads", "n_threads_batch",
        "rope_scaling_type", "pooling_type", "attention_type", "rope_freq_base", "rope_freq_scale", "yarn_ext_factor",
        "yarn_attn_factor", "yarn_beta_fast", "yarn_beta_slow", "yarn_orig_ctx", "defrag_thold", "cb_eval",
        "cb_eval_user_data", "type_k", "type_v", "logits_all", "embeddings", "offload_kqv", "flash_attn", "no_perf",
        "abort_callback", "abort_callback_data"})
public class LlamaContextParams extends Structure implements Structure.ByValue {

    /** The size of the C struct in this build. */
    public static final int SIZE = 120;

    /** uint32: text context length; 0 takes the model's. */
    public int n_ctx;
    /** uint32: the most tokens one llama_decode call accepts. */
    public int n_batch;
    /** uint32: the physical batch size. */
    public int n_ubatch;
    /** uint32: the most distinct sequences. */
    public int n_seq_max;
    /** Threads for generation. */
    public int n_threads;
    /** Threads for batch (prompt) processing. */
    public int n_threads_batch;
    /** {@code enum llama_rope_scaling_type}; -1 takes the model's. */
    public int rope_scaling_type;
    /** {@code enum llama_pooling_type}; -1 takes the model's. */
    public int pooling_type;
    /** {@code enum llama_attention_type}; -1 takes the model's. */
    public int attention_type;
    /** RoPE base frequency; 0 takes the model's. */
    public float rope_freq_base;
    /** RoPE frequency scaling factor; 0 takes the model's. */
    public float rope_freq_scale;
    /** YaRN extrapolation mix factor; negative takes the model's. */
    public float yarn_ext_factor;
    /** YaRN magnitude scaling factor. */
    public float yarn_attn_factor;
    /** YaRN low correction dim. */
    public float yarn_beta_fast;
    /** YaRN high correction dim. */
    public float yarn_beta_slow;
    /** uint32: YaRN original context size. */
    public int yarn_orig_ctx;
    /** KV cache defragmentation threshold; negative disables it. */
    public float defrag_thold;
    /** {@code ggml_backend_sched_eval_callback}; null here. */
    public Pointer cb_eval;
    /** User data of cb_eval. */
    public Pointer cb_eval_user_data;
    /** {@code enum ggml_type} of the K cache; 1 (F16) by default. */
    public int type_k;
    /** {@code enum ggml_type} of the V cache; 1 (F16) by default. */
    public int type_v;
    /** C bool: compute logits for every token of a batch, not only the last. */
    public byte logits_all;
    /** C bool: extract embeddings with the logits. */
    public byte embeddings;
    /** C bool: offload the KQV operations (with the KV cache) to a GPU. */
    public byte offload_kqv;
    /** C bool: use flash attention. */
    public byte flash_attn;
    /** C bool: skip performance timings. */
    public byte no_perf;
    /** {@code ggml_abort_callback}; null here. */
    public Pointer abort_callback;
    /** User data of abort_callback. */
    public Pointer abort_callback_data;

    /** An all-zero struct, for JNA; use {@link LlamaCppFunctions#llama_context_default_params()} for the defaults. */
    public LlamaContextParams() {
        super();
    }
}
