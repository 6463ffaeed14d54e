package dev.topiary.llama;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The tensors of a Llama checkpoint, named and shaped exactly as Hugging Face {@code LlamaForCausalLM} saves them
 * (linear weights are {@code [out, in]}), derived from a config alone.
 *
 * <p>This is the single place that knows the checkpoint naming; loading, saving, parameter counts and pruning plans
 * all read it.
 */
public final class LlamaLayout {

    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private LlamaLayout() {}

    public static String layerPrefix(int layer) {
        return "model.layers." + layer + ".";
    }

    public static String inputNorm(int layer) { return layerPrefix(layer) + "input_layernorm.weight"; }
    public static String postAttentionNorm(int layer) { return layerPrefix(layer) + "post_attention_layernorm.weight"; }
    public static String qProj(int layer) { return layerPrefix(layer) + "self_attn.q_proj.weight"; }
    public static String kProj(int layer) { return layerPrefix(layer) + "self_attn.k_proj.weight"; }
    public static String vProj(int layer) { return layerPrefix(layer) + "self_attn.v_proj.weight"; }
    public static String oProj(int layer) { return layerPrefix(layer) + "self_attn.o_proj.weight"; }
    public static String gateProj(int layer) { return layerPrefix(layer) + "mlp.gate_proj.weight"; }
    public static String upProj(int layer) { return layerPrefix(layer) + "mlp.up_proj.weight"; }
    public static String downProj(int layer) { return layerPrefix(layer) + "mlp.down_proj.weight"; }

    /** Every tensor the config implies, in checkpoint order, with its shape; no lm_head when embeddings are tied. */
    public static Map<String, long[]> shapes(LlamaConfig c) {
        long d = c.hiddenSize();
        long ffn = c.intermediateSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED_TOKENS, new long[] {c.vocabSize(), d});
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            shapes.put(inputNorm(i), new long[] {d});
            shapes.put(qProj(i), new long[] {q, d});
            shapes.put(kProj(i), new long[] {kv, d});
            shapes.put(vProj(i), new long[] {kv, d});
            shapes.put(oProj(i), new long[] {d, q});
            shapes.put(postAttentionNorm(i), new long[] {d});
            shapes.put(gateProj(i), new long[] {ffn, d});
            shapes.put(upProj(i), new long[] {ffn, d});
            shapes.put(downProj(i), new long[] {d, ffn});
        }
        shapes.put(FINAL_NORM, new long[] {d});
        if (!c.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {c.vocabSize(), d});
        }
        return Collections.unmodifiableMap(shapes);
    }

    /** Total parameters, counting tied embeddings once. */
    public static long parameterCount(LlamaConfig c) {
        long n = 0;
        for (long[] shape : shapes(c).values()) {
            long size = 1;
            for (long s : shape) {
                size *= s;
            }
            n += size;
        }
        return n;
    }
}
