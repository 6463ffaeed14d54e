package dev.topiary.llamacpp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;

/**
 * The struct layouts of the bundled llama.cpp build: the defaults its own functions return read back, byte offset
 * by byte offset, as the disassembly of llama_model_default_params and llama_context_default_params shows them.
 */
class LlamaCppStructsTest {

    private final LlamaCppFunctions f = LlamaCppLibrary.functions();

    @Test
    void sizesMatchTheBuild() {
        assertEquals(LlamaModelParams.SIZE, new LlamaModelParams().size());
        assertEquals(LlamaContextParams.SIZE, new LlamaContextParams().size());
        assertEquals(LlamaBatch.SIZE, new LlamaBatch().size());
        assertEquals(GgufInitParams.SIZE, new GgufInitParams().size());
    }

    @Test
    void modelDefaultsReadBackAtTheirOffsets() {
        LlamaModelParams p = f.llama_model_default_params();
        Pointer m = p.getPointer();
        assertEquals(0L, Pointer.nativeValue(m.getPointer(0)));
        assertEquals(0, m.getInt(8));
        assertEquals(1, m.getInt(12));
        assertEquals(0, m.getInt(16));
        for (int off = 24; off <= 48; off += 8) {
            assertEquals(0L, m.getLong(off), "pointer at " + off);
        }
        assertEquals(0, m.getByte(56));
        assertEquals(1, m.getByte(57));
        assertEquals(0, m.getByte(58));
        assertEquals(0, m.getByte(59));

        assertEquals(0, p.n_gpu_layers);
        assertEquals(1, p.split_mode);
        assertEquals(0, p.main_gpu);
        assertEquals(0, p.vocab_only);
        assertEquals(1, p.use_mmap);
        assertEquals(0, p.use_mlock);
        assertEquals(0, p.check_tensors);
    }

    @Test
    void contextDefaultsReadBackAtTheirOffsets() {
        LlamaContextParams p = f.llama_context_default_params();
        Pointer m = p.getPointer();
        int[] ints = {512, 2048, 512, 1, 4, 4, -1, -1, -1};
        for (int i = 0; i < ints.length; i++) {
            assertEquals(ints[i], m.getInt(4L * i), "int at " + 4 * i);
        }
        assertEquals(0f, m.getFloat(36));
        assertEquals(0f, m.getFloat(40));
        assertEquals(-1f, m.getFloat(44));
        assertEquals(1f, m.getFloat(48));
        assertEquals(32f, m.getFloat(52));
        assertEquals(1f, m.getFloat(56));
        assertEquals(0, m.getInt(60));
        assertEquals(-1f, m.getFloat(64));
        assertEquals(0L, m.getLong(72));
        assertEquals(0L, m.getLong(80));
        assertEquals(1, m.getInt(88));
        assertEquals(1, m.getInt(92));
        byte[] flags = {0, 0, 1, 0, 1};
        for (int i = 0; i < flags.length; i++) {
            assertEquals(flags[i], m.getByte(96 + i), "bool at " + (96 + i));
        }
        assertEquals(0L, m.getLong(104));
        assertEquals(0L, m.getLong(112));

        assertEquals(512, p.n_ctx);
        assertEquals(2048, p.n_batch);
        assertEquals(512, p.n_ubatch);
        assertEquals(1, p.n_seq_max);
        assertEquals(4, p.n_threads);
        assertEquals(4, p.n_threads_batch);
        assertEquals(-1, p.rope_scaling_type);
        assertEquals(-1, p.pooling_type);
        assertEquals(-1, p.attention_type);
        assertEquals(0f, p.rope_freq_base);
        assertEquals(0f, p.rope_freq_scale);
        assertEquals(-1f, p.yarn_ext_factor);
        assertEquals(1f, p.yarn_attn_factor);
        assertEquals(32f, p.yarn_beta_fast);
        assertEquals(1f, p.yarn_beta_slow);
        assertEquals(0, p.yarn_orig_ctx);
        assertEquals(-1f, p.defrag_thold);
        assertEquals(1, p.type_k);
        assertEquals(1, p.type_v);
        assertEquals(0, p.logits_all);
        assertEquals(0, p.embeddings);
        assertEquals(1, p.offload_kqv);
        assertEquals(0, p.flash_attn);
        assertEquals(1, p.no_perf);
    }

    @Test
    void batchGetOneFillsCountAndTokenPointer() {
        Memory tokens = new Memory(3 * Integer.BYTES);
        tokens.write(0, new int[] {7, 8, 9}, 0, 3);
        LlamaBatch b = f.llama_batch_get_one(tokens, 3);
        Pointer m = b.getPointer();
        assertEquals(3, m.getInt(0));
        assertEquals(Pointer.nativeValue(tokens), m.getLong(8));
        for (int off = 16; off <= 48; off += 8) {
            assertEquals(0L, m.getLong(off), "pointer at " + off);
        }
        assertEquals(3, b.n_tokens);
        assertEquals(9, b.token.getInt(8));
    }
}
