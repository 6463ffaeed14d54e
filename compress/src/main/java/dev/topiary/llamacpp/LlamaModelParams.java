package dev.topiary.llamacpp;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct llama_model_params} of llama.cpp build b4916, passed by value: 64 bytes on Linux x86_64.
 *
 * <p>Offsets (checked against the disassembly of {@code llama_model_default_params} in the bundled library, and by
 * {@code LlamaCppStructsTest}): 0 devices, 8 n_gpu_layers, 12 split_mode, 16 main_gpu, 24 tensor_split,
 * 32 progress_callback, 40 progress_callback_user_data, 48 kv_overrides, 56 vocab_only, 57 use_mmap, 58 use_mlock,
 * 59 check_tensors, padded to 64. C {@code bool} fields are one byte each. The pointer fields are left null by
 * Topiary (no device list, no callbacks, no overrides).
 */
@Structure.FieldOrder({"devices", "n_gpu_layers", "split_mode", "main_gpu", "tensor_split", "progress_callback",
        "progress_callback_user_data", "kv_overrides", "vocab_only", "use_mmap", "use_mlock", "check_tensors"})
public class LlamaModelParams extends Structure implements Structure.ByValue {

    /** The size of the C struct in this build. */
    public static final int SIZE = 64;

    /** {@code ggml_backend_dev_t *}: null-terminated device list; null means all available devices. */
    public Pointer devices;
    /** Number of layers to offload to a GPU; 0 keeps the whole model on the CPU. */
    public int n_gpu_layers;
    /** {@code enum llama_split_mode}; 1 (layer) by default. */
    public int split_mode;
    /** The GPU used when split_mode is none. */
    public int main_gpu;
    /** {@code const float *}: proportion of the model per GPU. */
    public Pointer tensor_split;
    /** {@code llama_progress_callback}; null here. */
    public Pointer progress_callback;
    /** User data of the progress callback. */
    public Pointer progress_callback_user_data;
    /** {@code const struct llama_model_kv_override *}; null here. */
    public Pointer kv_overrides;
    /** C bool: load only the vocabulary, no weights. */
    public byte vocab_only;
    /** C bool: map the file into memory (1 by default). */
    public byte use_mmap;
    /** C bool: lock the model in RAM. */
    public byte use_mlock;
    /** C bool: validate the tensor data while loading. */
    public byte check_tensors;

    /** An all-zero struct, for JNA; use {@link LlamaCppFunctions#llama_model_default_params()} for the defaults. */
    public LlamaModelParams() {
        super();
    }
}
