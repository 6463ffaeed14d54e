package dev.topiary.gguf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.io.IoErrors;
import dev.topiary.llama.Llama;
import dev.topiary.llama.LlamaConfig;
import dev.topiary.llama.LlamaLayout;
import dev.topiary.llama.RotaryEmbedding;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama as a GGUF file llama.cpp runs with nothing else: its {@code llama} architecture keys (counts as uint32,
 * head_dim as {@code attention.key_length}/{@code value_length} and {@code rope.dimension_count}), the tokenizer,
 * the tensors under llama.cpp's names with q and k permuted from Hugging Face's rotate-half layout to GGML's
 * interleaved one (k by the KV head count), llama3 rope scaling as the F32 {@code rope_freqs.weight}, no
 * {@code output.weight} when the head is tied, and the lineage as {@code topiary.lineage}.
 *
 * <p>Norms and {@code rope_freqs} are F32; every matrix is in the chosen type, or, when its rows do not divide into
 * that type's blocks (k-quants need 256), in the fallback {@link GgmlType#fallback()} names, which the export
 * reports. A model whose layers share blocks is written with every layer's weights of its own, as llama.cpp has
 * no sharing; the export says so ({@link GgufExport#sharedBlocks()}).
 */
public final class LlamaGguf {

    private LlamaGguf() {}

    /**
     * Writes {@code model} to {@code file} with its weights in {@code type}.
     *
     * @param tokenizer the model's tokenizer.json
     * @param name the model's name (general.name)
     * @param lineage the recipe JSON of how the model came to be
     * @throws TopiaryException when the tokenizer cannot be represented or the file cannot be written
     */
    public static GgufExport write(Llama model, Path tokenizer, String name, String lineage, GgmlType type,
            Path file) {
        return write(model, tokenizer, name, lineage, type, file, Map.of());
    }

    /**
     * As {@link #write(Llama, Path, String, String, GgmlType, Path)}, with the matrices {@code encoded} names (by
     * Hugging Face name, as {@link LlamaLayout}) written as the blocks given instead of encoded from the model's
     * floats: an exporter that already holds a matrix's codes writes them without quantizing again.
     *
     * @throws TopiaryException also when given blocks do not hold their matrix's shape
     */
    public static GgufExport write(Llama model, Path tokenizer, String name, String lineage, GgmlType type,
            Path file, Map<String, EncodedMatrix> encoded) {
        LlamaConfig c = model.config();
        GgufTokenizer vocabulary = GgufTokenizer.read(tokenizer, c);
        GgufWriter gguf = new GgufWriter();
        gguf.putString(GgufOwnership.LINEAGE_KEY, lineage);
        gguf.putString("general.architecture", "llama").putString("general.name", name)
                .putUInt32("general.file_type", type.fileType());
        if (type.isQuantized()) {
            gguf.putUInt32("general.quantization_version", 2);
        }
        gguf.putUInt32("llama.vocab_size", c.vocabSize()).putUInt32("llama.context_length", c.maxPositionEmbeddings())
                .putUInt32("llama.embedding_length", c.hiddenSize())
                .putUInt32("llama.block_count", c.numHiddenLayers())
                .putUInt32("llama.feed_forward_length", c.intermediateSize())
                .putUInt32("llama.attention.head_count", c.numAttentionHeads())
                .putUInt32("llama.attention.head_count_kv", c.numKeyValueHeads())
                .putUInt32("llama.attention.key_length", c.headDim())
                .putUInt32("llama.attention.value_length", c.headDim())
                .putUInt32("llama.rope.dimension_count", c.headDim())
                .putFloat32("llama.rope.freq_base", (float) c.ropeTheta())
                .putFloat32("llama.attention.layer_norm_rms_epsilon", (float) c.rmsNormEps());
        vocabulary.writeTo(gguf, c);

        Map<String, GgmlType> types = new LinkedHashMap<>();
        Map<String, NDArray> weights = model.parameters();
        Matrices matrices = new Matrices(gguf, types, weights, encoded, type);
        matrices.add("token_embd.weight", LlamaLayout.EMBED_TOKENS, 0);
        // llama.cpp has no sharing: a block shared by several layers is written once for each of them.
        for (int layer = 0; layer < c.numHiddenLayers(); layer++) {
            String blk = "blk." + layer + ".";
            int l = LlamaLayout.storedLayer(c, layer);
            vector(gguf, types, blk + "attn_norm.weight", weights.get(LlamaLayout.inputNorm(l)));
            matrices.add(blk + "attn_q.weight", LlamaLayout.qProj(l), c.numAttentionHeads());
            matrices.add(blk + "attn_k.weight", LlamaLayout.kProj(l), c.numKeyValueHeads());
            matrices.add(blk + "attn_v.weight", LlamaLayout.vProj(l), 0);
            matrices.add(blk + "attn_output.weight", LlamaLayout.oProj(l), 0);
            vector(gguf, types, blk + "ffn_norm.weight", weights.get(LlamaLayout.postAttentionNorm(l)));
            matrices.add(blk + "ffn_gate.weight", LlamaLayout.gateProj(l), 0);
            matrices.add(blk + "ffn_up.weight", LlamaLayout.upProj(l), 0);
            matrices.add(blk + "ffn_down.weight", LlamaLayout.downProj(l), 0);
        }
        vector(gguf, types, "output_norm.weight", weights.get(LlamaLayout.FINAL_NORM));
        if (!c.tieWordEmbeddings()) {
            matrices.add("output.weight", LlamaLayout.LM_HEAD, 0);
        }
        if (c.ropeScaling() != null) {
            float[] factors = RotaryEmbedding.frequencyFactors(c);
            gguf.addTensor("rope_freqs.weight", new long[] {factors.length}, GgmlType.F32,
                    out -> GgmlRows.write(GgmlType.F32, factors, factors.length, out));
            types.put("rope_freqs.weight", GgmlType.F32);
        }
        try {
            gguf.write(file);
        } catch (IOException e) {
            throw new TopiaryException("cannot write " + file + ": " + IoErrors.describe(e), e);
        }
        List<String> fallbacks = new ArrayList<>();
        types.forEach((tensor, t) -> {
            if (t != type && t != GgmlType.F32) {
                fallbacks.add(tensor + " " + t);
            }
        });
        // Early-exit off-ramps have no place in llama.cpp's Llama: the file holds the full model without them.
        LlamaConfig written = c.withoutLayerSharing().toBuilder().optExitLayers(List.of()).build();
        return new GgufExport(file, type, fileBytes(file), LlamaLayout.parameterCount(written), fallbacks,
                c.sharesLayers() ? c.numBlocks() : 0);
    }

    /** The matrices of one export: each from its given blocks, or encoded from the model's floats. */
    private record Matrices(GgufWriter gguf, Map<String, GgmlType> types, Map<String, NDArray> weights,
            Map<String, EncodedMatrix> encoded, GgmlType type) {

        /**
         * Adds the weight {@code hfName} {@code [rows, columns]} (row-major) as GGML's {@code [columns, rows]}
         * named {@code name}; with {@code heads} > 0 its rows are first permuted, head by head, from rotate-half
         * pairs (i, i + d/2) to adjacent pairs (2i, 2i + 1).
         */
        void add(String name, String hfName, int heads) {
            NDArray weight = weights.get(hfName);
            long rows = weight.getShape().get(0);
            long columns = weight.getShape().get(1);
            EncodedMatrix given = encoded.get(hfName);
            if (given != null) {
                int rowBytes = given.rowBytes(name, rows, columns);
                types.put(name, given.type());
                gguf.addTensor(name, new long[] {columns, rows}, given.type(), out -> out.write(heads > 0
                        ? interleaveRotaryPairs(given.blocks(), (int) rows, rowBytes, heads) : given.blocks()));
                return;
            }
            GgmlType chosen = type.fits(columns) ? type : type.fallback();
            if (!chosen.fits(columns)) {
                chosen = GgmlType.F16;
            }
            GgmlType stored = chosen;
            types.put(name, stored);
            gguf.addTensor(name, new long[] {columns, rows}, stored, out -> {
                float[] values = floats(weight);
                if (heads > 0) {
                    values = interleaveRotaryPairs(values, (int) rows, (int) columns, heads);
                }
                GgmlRows.write(stored, values, (int) columns, out);
            });
        }
    }

    private static void vector(GgufWriter gguf, Map<String, GgmlType> types, String name, NDArray weight) {
        long length = weight.getShape().get(0);
        types.put(name, GgmlType.F32);
        gguf.addTensor(name, new long[] {length}, GgmlType.F32,
                out -> GgmlRows.write(GgmlType.F32, floats(weight), (int) length, out));
    }

    /**
     * The rows of a q or k projection {@code [heads * d, columns]} in GGML's order: within each head, row
     * {@code j * d/2 + i} (half j of rotate-half pair i) moves to {@code 2i + j}.
     */
    static float[] interleaveRotaryPairs(float[] w, int rows, int columns, int heads) {
        float[] out = new float[w.length];
        interleaveRows(w, out, rows, columns, heads);
        return out;
    }

    /** As {@link #interleaveRotaryPairs(float[], int, int, int)} for encoded rows of {@code rowBytes} each. */
    static byte[] interleaveRotaryPairs(byte[] rowsOfBlocks, int rows, int rowBytes, int heads) {
        byte[] out = new byte[rowsOfBlocks.length];
        interleaveRows(rowsOfBlocks, out, rows, rowBytes, heads);
        return out;
    }

    // Copies whole rows of `rowLength` array elements from `w` to `out` in GGML's order (either array type).
    private static void interleaveRows(Object w, Object out, int rows, int rowLength, int heads) {
        int d = rows / heads;
        int half = d / 2;
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < half; i++) {
                    int from = h * d + j * half + i;
                    int to = h * d + 2 * i + j;
                    System.arraycopy(w, from * rowLength, out, to * rowLength, rowLength);
                }
            }
        }
    }

    private static float[] floats(NDArray weight) {
        if (weight.getDataType() == DataType.FLOAT32) {
            return weight.toFloatArray();
        }
        try (NDArray f = weight.toType(DataType.FLOAT32, false)) {
            return f.toFloatArray();
        }
    }

    private static long fileBytes(Path file) {
        try {
            return java.nio.file.Files.size(file);
        } catch (IOException e) {
            throw new TopiaryException("cannot read the size of " + file + ": " + IoErrors.describe(e), e);
        }
    }
}
