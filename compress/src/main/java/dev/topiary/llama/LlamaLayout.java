package dev.topiary.llama;

import dev.topiary.TopiaryException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The tensors of a Llama checkpoint, named and shaped exactly as Hugging Face {@code LlamaForCausalLM} saves them
 * (linear weights are {@code [out, in]}), derived from a config alone.
 *
 * <p>This is the single place that knows the checkpoint naming; loading, saving, parameter counts and pruning plans
 * all read it. When layers share weights ({@link LlamaConfig#layerBlocks()}), each block's tensors appear once,
 * under the names of the first layer that uses it ({@link #storedLayer}), and every count here counts them once.
 */
public final class LlamaLayout {

    public static final String EMBED_TOKENS = "model.embed_tokens.weight";
    public static final String FINAL_NORM = "model.norm.weight";
    public static final String LM_HEAD = "lm_head.weight";

    private LlamaLayout() {}

    /**
     * The kind of a layer's tensor, the name's next-to-last part: {@code "q_proj"} for
     * {@code model.layers.3.self_attn.q_proj.weight}, {@code "input_layernorm"} for a norm.
     */
    public static String kind(String tensor) {
        String[] path = tensor.split("\\.");
        return path.length < 2 ? tensor : path[path.length - 2];
    }

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
    /** The RMSNorm weight of the early-exit off-ramp after {@code layer}; the ramp shares the LM head. */
    public static String exitNorm(int layer) { return "model.exits." + layer + ".norm.weight"; }

    /**
     * The layer under whose names the weights {@code layer} computes with are stored: the first layer that uses the
     * same block, or {@code layer} itself when layers do not share weights.
     */
    public static int storedLayer(LlamaConfig c, int layer) {
        List<Integer> blocks = c.layerBlocks();
        return blocks == null ? layer : blocks.indexOf(blocks.get(layer));
    }

    /**
     * The name the tensor {@code name} of an expanded model is stored under in a model of {@code c}: a layer's tensor
     * under its stored layer's name ({@link #storedLayer}), any other under its own.
     */
    public static String storedName(LlamaConfig c, String name) {
        String prefix = "model.layers.";
        if (!name.startsWith(prefix)) {
            return name;
        }
        int end = name.indexOf('.', prefix.length());
        int layer = Integer.parseInt(name.substring(prefix.length(), end));
        return layerPrefix(storedLayer(c, layer)) + name.substring(end + 1);
    }

    /** The layers whose names hold weights, one per block, in order: every layer unless layers share weights. */
    public static int[] storedLayers(LlamaConfig c) {
        return IntStream.range(0, c.numHiddenLayers()).filter(l -> storedLayer(c, l) == l).toArray();
    }

    /**
     * The linear (projection) weights, q, k, v, o, gate, up and down of every stored layer in checkpoint order: the
     * matrices sparse pruning and quantization work on (embeddings, norms and the LM head are left to them).
     */
    public static List<String> linearWeights(LlamaConfig c) {
        List<String> names = new ArrayList<>();
        for (int i : storedLayers(c)) {
            names.addAll(List.of(qProj(i), kProj(i), vProj(i), oProj(i), gateProj(i), upProj(i), downProj(i)));
        }
        return List.copyOf(names);
    }

    /**
     * Every tensor the config implies, in checkpoint order, with its shape; no lm_head when embeddings are tied, and
     * one set of layer tensors per block when layers share weights.
     */
    public static Map<String, long[]> shapes(LlamaConfig c) {
        long d = c.hiddenSize();
        long ffn = c.intermediateSize();
        long q = (long) c.numAttentionHeads() * c.headDim();
        long kv = (long) c.numKeyValueHeads() * c.headDim();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put(EMBED_TOKENS, new long[] {c.vocabSize(), d});
        for (int i : storedLayers(c)) {
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
        for (int layer : c.exitLayers()) {
            shapes.put(exitNorm(layer), new long[] {d});
        }
        if (!c.tieWordEmbeddings()) {
            shapes.put(LM_HEAD, new long[] {c.vocabSize(), d});
        }
        return Collections.unmodifiableMap(shapes);
    }

    /**
     * Checks that {@code actual} (tensor name to shape) is exactly what a model of {@code config} needs: every
     * tensor present with its shape, nothing unexpected (beyond tensors Hugging Face ignores on load: stale rotary
     * buffers, and lm_head when embeddings are tied).
     *
     * @param source names where the tensors are, for the message
     * @throws TopiaryException naming the first missing, misshapen or unexpected tensor
     */
    public static void check(LlamaConfig config, Map<String, long[]> actual, String source) {
        Map<String, long[]> expected = shapes(config);
        for (Map.Entry<String, long[]> e : expected.entrySet()) {
            long[] shape = actual.get(e.getKey());
            if (shape == null) {
                throw new TopiaryException(source + " has no tensor " + e.getKey() + ", which the config requires ("
                        + config + ")");
            }
            if (!Arrays.equals(shape, e.getValue())) {
                throw new TopiaryException(source + ": tensor " + e.getKey() + " has shape " + Arrays.toString(shape)
                        + " but the config (" + config + ") expects " + Arrays.toString(e.getValue()));
            }
        }
        for (String name : actual.keySet()) {
            boolean ignorable = name.endsWith("rotary_emb.inv_freq")
                    || (config.tieWordEmbeddings() && name.equals(LM_HEAD));
            if (!expected.containsKey(name) && !ignorable) {
                throw new TopiaryException(source + " holds tensor " + name + ", which a Llama with this config does"
                        + " not have (" + config + ")");
            }
        }
    }

    /** Total parameters, counting tied embeddings and shared blocks once. */
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
