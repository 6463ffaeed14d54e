package dev.topiary.llamacpp;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;

/**
 * {@code struct gguf_init_params} of ggml, passed by value: 16 bytes on Linux x86_64 (a C bool no_alloc, then at
 * offset 8 a {@code struct ggml_context **} that, when not null, receives a context holding the tensors).
 */
@Structure.FieldOrder({"no_alloc", "ctx"})
public class GgufInitParams extends Structure implements Structure.ByValue {

    /** The size of the C struct. */
    public static final int SIZE = 16;

    /** C bool: do not allocate or read tensor data. */
    public byte no_alloc;
    /** {@code struct ggml_context **}: null to read metadata only. */
    public Pointer ctx;

    /** An all-zero struct, for JNA. */
    public GgufInitParams() {
        super();
    }

    /**
     * Parameters that read a file's metadata and tensor descriptions only, without tensor data or a ggml context.
     *
     * @return no_alloc true, ctx null
     */
    public static GgufInitParams metadataOnly() {
        GgufInitParams p = new GgufInitParams();
        p.no_alloc = 1;
        p.ctx = null;
        return p;
    }
}
