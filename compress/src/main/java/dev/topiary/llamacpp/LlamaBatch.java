package dev.topiary.llamacpp;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct llama_batch} of llama.cpp build b4916, passed by value: 56 bytes on Linux x86_64 (an int32 token
 * count, then six pointers from offset 8), as {@code llama_batch_get_one} fills it.
 *
 * <p>A batch from {@code llama_batch_get_one} only points at the caller's token memory, which must stay alive until
 * the {@code llama_decode} call that takes the batch returns; it is not freed with {@code llama_batch_free}.
 */
@Structure.FieldOrder({"n_tokens", "token", "embd", "pos", "n_seq_id", "seq_id", "logits"})
public class LlamaBatch extends Structure implements Structure.ByValue {

    /** The size of the C struct in this build. */
    public static final int SIZE = 56;

    /** The number of tokens in the batch. */
    public int n_tokens;
    /** {@code llama_token *}: the token ids (or null with embd). */
    public Pointer token;
    /** {@code float *}: token embeddings instead of ids. */
    public Pointer embd;
    /** {@code llama_pos *}: positions; null lets llama.cpp number them after the cache. */
    public Pointer pos;
    /** {@code int32_t *}: sequence counts per token; null means sequence 0. */
    public Pointer n_seq_id;
    /** {@code llama_seq_id **}: sequence ids per token. */
    public Pointer seq_id;
    /** {@code int8_t *}: which tokens produce logits; null means the last only (or all, with logits_all). */
    public Pointer logits;

    /** An all-zero batch, for JNA. */
    public LlamaBatch() {
        super();
    }
}
