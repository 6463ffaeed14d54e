package dev.topiary.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.core.Linear;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.engine.JavaArrays;
import dev.topiary.engine.NativeArrays;
import dev.topiary.engine.Precision32;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A Llama 3.x decoder on DJL's PyTorch engine: token embeddings, pre-norm decoder layers with grouped-query
 * attention and SwiGLU MLPs, a final RMSNorm and a tied or separate LM head.
 *
 * <p>The model owns its parameters (named as in Hugging Face checkpoints, see {@link LlamaLayout}) and frees them
 * on {@link #close()}. Forward passes leave no intermediate arrays behind: only the returned logits, which belong
 * to the caller (and to the caller's {@link NDScope}, if any).
 */
public final class Llama implements AutoCloseable {

    /** Standard deviation of Hugging Face's default initialisation ({@code initializer_range}). */
    public static final double INIT_STD = 0.02;

    private final LlamaConfig config;
    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final NDArray embedTokens;
    private final List<TransformerBlock> layers;
    private final RmsNorm finalNorm;
    private final Map<Integer, RmsNorm> exitNorms;
    private final NDArray lmHead;
    private final RotaryEmbedding rotary;
    private final DataType dataType;
    private final LinearInputs linearInputs;
    private final boolean owner;

    private Llama(LlamaConfig config, NDManager manager, Map<String, NDArray> parameters, LinearInputs linearInputs,
            boolean owner) {
        this.config = config;
        this.linearInputs = linearInputs;
        this.manager = manager;
        this.owner = owner;
        this.parameters = Collections.unmodifiableMap(parameters);
        this.embedTokens = parameters.get(LlamaLayout.EMBED_TOKENS);
        this.dataType = embedTokens.getDataType();
        List<TransformerBlock> blocks = new ArrayList<>();
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            // Layers that share a block compute with the same arrays: training updates them once, gradients summed.
            int i = LlamaLayout.storedLayer(config, layer);
            blocks.add(new TransformerBlock(
                    new RmsNorm(parameters.get(LlamaLayout.inputNorm(i)), config.rmsNormEps()),
                    new Attention(config,
                            parameters.get(LlamaLayout.qProj(i)), parameters.get(LlamaLayout.kProj(i)),
                            parameters.get(LlamaLayout.vProj(i)), parameters.get(LlamaLayout.oProj(i)),
                            linearInputs),
                    new RmsNorm(parameters.get(LlamaLayout.postAttentionNorm(i)), config.rmsNormEps()),
                    new FeedForward(parameters.get(LlamaLayout.gateProj(i)), parameters.get(LlamaLayout.upProj(i)),
                            parameters.get(LlamaLayout.downProj(i)), linearInputs)));
        }
        this.layers = List.copyOf(blocks);
        this.finalNorm = new RmsNorm(parameters.get(LlamaLayout.FINAL_NORM), config.rmsNormEps());
        Map<Integer, RmsNorm> ramps = new LinkedHashMap<>();
        for (int layer : config.exitLayers()) {
            ramps.put(layer, new RmsNorm(parameters.get(LlamaLayout.exitNorm(layer)), config.rmsNormEps()));
        }
        this.exitNorms = Collections.unmodifiableMap(ramps);
        this.lmHead = config.tieWordEmbeddings() ? embedTokens : parameters.get(LlamaLayout.LM_HEAD);
        this.rotary = new RotaryEmbedding(config);
    }

    /**
     * A model made of the given tensors, which it takes ownership of (they move to the model's manager, on the
     * device of the first one, converted to its floating type).
     *
     * @param source names where the tensors came from, for error messages
     * @throws TopiaryException when a tensor the config needs is missing, has another shape, or is unexpected
     */
    public static Llama fromParameters(LlamaConfig config, Map<String, NDArray> tensors, String source) {
        return fromParameters(config, tensors, source, LinearInputs.EXACT);
    }

    /**
     * As {@link #fromParameters(LlamaConfig, Map, String)}, for a model whose decoder linear layers see their inputs
     * through {@code linearInputs} (fake activation quantization).
     */
    public static Llama fromParameters(LlamaConfig config, Map<String, NDArray> tensors, String source,
            LinearInputs linearInputs) {
        Map<String, long[]> actual = new LinkedHashMap<>();
        tensors.forEach((name, t) -> actual.put(name, t.getShape().getShape()));
        LlamaLayout.check(config, actual, source);
        Map<String, long[]> expected = LlamaLayout.shapes(config);
        NDArray first = tensors.get(LlamaLayout.EMBED_TOKENS);
        NDManager manager = Engines.engine().newBaseManager(first.getDevice());
        DataType type = first.getDataType();
        Map<String, NDArray> owned = new LinkedHashMap<>();
        for (String name : expected.keySet()) {
            NDArray t = tensors.get(name);
            NDArray converted = t.getDataType() == type ? t : t.toType(type, false);
            if (converted != t) {
                t.close();
            }
            converted.attach(manager);
            converted.setName(name);
            owned.put(name, converted);
        }
        tensors.forEach((name, t) -> {
            if (!owned.containsKey(name)) {
                t.close();
            }
        });
        return new Llama(config, manager, owned, linearInputs, true);
    }

    /**
     * A freshly initialised model as Hugging Face initialises Llama: linear and embedding weights from
     * N(0, {@value #INIT_STD}), norm weights one. The values come from Java's {@link SplittableRandom} seeded by
     * {@code seed} and each tensor's name, so they are identical on every machine and device.
     */
    public static Llama random(LlamaConfig config, long seed, Device device, DataType type) {
        NDManager staging = Engines.engine().newBaseManager(device);
        try {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, long[]> e : LlamaLayout.shapes(config).entrySet()) {
                Shape shape = new Shape(e.getValue());
                boolean norm = shape.dimension() == 1;
                SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + e.getKey().hashCode());
                NDArray t = NativeArrays.build(staging, shape, DataType.FLOAT32, (first, count, buffer) -> {
                    for (int i = 0; i < count; i++) {
                        buffer.putFloat(norm ? 1f : (float) (random.nextGaussian() * INIT_STD));
                    }
                });
                tensors.put(e.getKey(), type == DataType.FLOAT32 ? t : t.toType(type, false));
            }
            return fromParameters(config, tensors, "random initialisation");
        } finally {
            staging.close();
        }
    }

    public LlamaConfig config() {
        return config;
    }

    public Device device() {
        return embedTokens.getDevice();
    }

    /** The floating type parameters and activations are held in (fp32 on the CPU; fp16 or fp32 on a GPU). */
    public DataType dataType() {
        return dataType;
    }

    /** What the decoder linear layers' inputs pass through ({@link LinearInputs#EXACT} in a floating-point model). */
    public LinearInputs linearInputs() {
        return linearInputs;
    }

    /** The live parameters by Hugging Face name, in checkpoint order (no lm_head when tied). */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /**
     * A view of this model that computes with {@code replacements} in place of the parameters of the same names and
     * shares every other parameter, and this model's {@link #manager()}. The view owns nothing: closing it frees
     * nothing, and it is usable only while this model and the replacements live. Replacements may carry gradients
     * to this model's parameters (fake quantization in training) or be plain arrays (a quantized prefix in
     * calibration).
     *
     * @throws TopiaryException when a replacement names no parameter of this model or differs in shape or type
     */
    public Llama withParameters(Map<String, NDArray> replacements) {
        Map<String, NDArray> merged = new LinkedHashMap<>(parameters);
        replacements.forEach((name, t) -> {
            NDArray own = parameters.get(name);
            if (own == null) {
                throw new TopiaryException("cannot replace " + name + ": the model has no such parameter");
            }
            if (!own.getShape().equals(t.getShape()) || own.getDataType() != t.getDataType()) {
                throw new TopiaryException("cannot replace " + name + " " + own.getDataType() + " " + own.getShape()
                        + " with " + t.getDataType() + " " + t.getShape() + ": shape and type must match");
            }
            merged.put(name, t);
        });
        return new Llama(config, manager, merged, linearInputs, false);
    }

    /** The manager that owns the parameters; arrays the caller makes for this model (token ids) may live under it. */
    public NDManager manager() {
        return manager;
    }

    /** An empty cache for incremental decoding with {@link #forward(NDArray, KvCache)}. */
    public KvCache newCache() {
        return new KvCache(manager, layers.size());
    }

    /** Logits {@code [B, T, V]} in fp32 for token ids {@code [B, T]} at positions 0..T-1. */
    public NDArray forward(NDArray ids) {
        return forward(ids, null);
    }

    /**
     * Logits {@code [B, T, V]} in fp32 for token ids {@code [B, T]} at the positions after those the cache holds;
     * the cache receives their keys and values. With a null cache the positions are 0..T-1.
     */
    public NDArray forward(NDArray ids, KvCache cache) {
        return forward(ids, cache, ActivationObserver.NONE, Set.of(), null, null);
    }

    /**
     * A full-sequence forward pass that shows {@code observer} each layer's activations and leaves out the layers
     * in {@code skipped} (their input passes straight on), for importance estimation and calibration.
     */
    public NDArray forward(NDArray ids, ActivationObserver observer, Set<Integer> skipped) {
        return forward(ids, null, observer, skipped, null, null);
    }

    /**
     * For {@link ContinuationScoring}: like {@link #forward(NDArray, KvCache)}, but with {@code mask} (additive,
     * {@code [B, 1, 1, T, start + T]} in the model's type, causality included) in place of the causal mask, and
     * logits {@code [N, V]} only at the N places {@code selected} names (int64 {@code [N]}, row * T + step): the
     * final norm and LM head run on those positions alone.
     */
    NDArray forward(NDArray ids, KvCache cache, NDArray mask, NDArray selected) {
        return forward(ids, cache, ActivationObserver.NONE, Set.of(), mask, selected);
    }

    private NDArray forward(NDArray ids, KvCache cache, ActivationObserver observer, Set<Integer> skipped,
            NDArray customMask, NDArray selected) {
        int start = cache == null ? 0 : cache.length();
        int steps = checkSteps(ids, start);
        NDArray logits;
        try (NDScope scope = new NDScope()) {
            NDArray tokens = ids.toDevice(device(), false);
            checkVocabulary(tokens);
            NDManager m = tokens.getManager();
            NDArray[] rope = rope(m, start, steps);
            NDArray mask = customMask != null ? customMask : steps == 1 ? null : mask(m, start, steps);
            NDArray h = Embedding.embedding(tokens, embedTokens, SparseFormat.DENSE).singletonOrThrow();
            for (int i = 0; i < layers.size(); i++) {
                if (!skipped.contains(i)) {
                    h = layers.get(i).forward(h, rope, mask, cache, i, observer);
                }
            }
            if (selected != null) {
                h = h.reshape(-1, h.getShape().get(2)).get(new NDIndex("{}", selected));
            }
            logits = head(h);
            NDScope.unregister(logits);
        }
        NDScope.register(logits);
        if (cache != null) {
            cache.advance(steps);
        }
        return logits;
    }

    /**
     * A full-sequence pass (positions 0..T-1) giving fp32 logits {@code [B, T, V]} at every early-exit off-ramp, in
     * the order of {@link LlamaConfig#exitLayers()}, then at the final head: each ramp is its own RMSNorm of the
     * hidden state after its layer, then the shared LM head. The last entry equals {@link #forward(NDArray)}.
     */
    public List<NDArray> exitLogits(NDArray ids) {
        int steps = checkSteps(ids, 0);
        List<NDArray> logits = new ArrayList<>();
        try (NDScope scope = new NDScope()) {
            NDArray tokens = ids.toDevice(device(), false);
            checkVocabulary(tokens);
            NDManager m = tokens.getManager();
            NDArray[] rope = rope(m, 0, steps);
            NDArray mask = steps == 1 ? null : mask(m, 0, steps);
            NDArray h = Embedding.embedding(tokens, embedTokens, SparseFormat.DENSE).singletonOrThrow();
            for (int i = 0; i < layers.size(); i++) {
                h = layers.get(i).forward(h, rope, mask, null, i, ActivationObserver.NONE);
                RmsNorm ramp = exitNorms.get(i);
                if (ramp != null) {
                    logits.add(head(ramp, h));
                }
            }
            logits.add(head(h));
            logits.forEach(NDScope::unregister);
        }
        logits.forEach(NDScope::register);
        return logits;
    }

    /**
     * What one early-exiting decoding step computed.
     *
     * @param logits fp32 next-token logits {@code [1, 1, V]} of the head it exited at (the final one if none)
     * @param layersRun decoder layers that ran in full: a ramp's layer + 1, or every layer
     */
    public record ExitStep(NDArray logits, int layersRun) {}

    /**
     * One token {@code [1, 1]} decoded at the position after those {@code cache} holds, leaving at the first
     * off-ramp whose confidence (the largest next-token probability of its distribution) reaches {@code threshold}.
     * The layers after an exit do not run; each still receives, in its cache, the keys and values of the exit's
     * hidden state taken as its input (its input norm, k and v projections and rotary embedding: CALM's state
     * propagation), so later tokens that run those layers attend to every position.
     *
     * <p>With {@code threshold} {@link Double#POSITIVE_INFINITY} no ramp is evaluated and the step performs exactly
     * the operations of {@link #forward(NDArray, KvCache)}: the same logits, bit for bit.
     *
     * @throws TopiaryException when the ids are not one token of one sequence, or the threshold is NaN or negative
     */
    public ExitStep forwardExiting(NDArray ids, KvCache cache, double threshold) {
        if (!(threshold >= 0)) {
            throw new TopiaryException("an exit threshold is a confidence in [0, 1] (or infinity: never exit), got "
                    + threshold);
        }
        if (!ids.getShape().equals(new Shape(1, 1))) {
            throw new TopiaryException("early-exit decoding takes one token of one sequence, ids [1, 1], got "
                    + ids.getShape() + ": exits are decided token by token");
        }
        int start = cache.length();
        checkSteps(ids, start);
        NDArray logits = null;
        int layersRun = layers.size();
        try (NDScope scope = new NDScope()) {
            NDArray tokens = ids.toDevice(device(), false);
            checkVocabulary(tokens);
            NDArray[] rope = rope(tokens.getManager(), start, 1);
            NDArray h = Embedding.embedding(tokens, embedTokens, SparseFormat.DENSE).singletonOrThrow();
            for (int i = 0; i < layers.size() && logits == null; i++) {
                h = layers.get(i).forward(h, rope, null, cache, i, ActivationObserver.NONE);
                RmsNorm ramp = threshold == Double.POSITIVE_INFINITY ? null : exitNorms.get(i);
                if (ramp != null) {
                    NDArray rampLogits = head(ramp, h);
                    if (rampLogits.softmax(-1).max().getFloat() >= threshold) {
                        logits = rampLogits;
                        layersRun = i + 1;
                        for (int skipped = i + 1; skipped < layers.size(); skipped++) {
                            layers.get(skipped).propagate(h, rope, cache, skipped);
                        }
                    }
                }
            }
            if (logits == null) {
                logits = head(h);
            }
            NDScope.unregister(logits);
        }
        NDScope.register(logits);
        cache.advance(1);
        return new ExitStep(logits, layersRun);
    }

    // fp32 logits of the hidden state h through `norm` and the LM head.
    private NDArray head(RmsNorm norm, NDArray h) {
        return Precision32.widen(Linear.linear(norm.forward(h), lmHead).singletonOrThrow());
    }

    // The number of steps of token ids [B, T] that take the positions after `start`.
    private int checkSteps(NDArray ids, int start) {
        Shape shape = ids.getShape();
        if (shape.dimension() != 2 || shape.get(1) == 0) {
            throw new TopiaryException("token ids must have shape [batch, steps] with at least one step, got " + shape);
        }
        int steps = Math.toIntExact(shape.get(1));
        if (start + steps > config.maxPositionEmbeddings()) {
            throw new TopiaryException("positions up to " + (start + steps) + " exceed max_position_embeddings "
                    + config.maxPositionEmbeddings());
        }
        return steps;
    }

    /** The token embeddings {@code [B, T, hidden]} of ids {@code [B, T]}: what enters layer 0. */
    NDArray embed(NDArray ids) {
        checkSteps(ids, 0);
        try (NDScope scope = new NDScope()) {
            NDArray tokens = ids.toDevice(device(), false);
            checkVocabulary(tokens);
            NDArray h = Embedding.embedding(tokens, embedTokens, SparseFormat.DENSE).singletonOrThrow();
            NDScope.unregister(h);
            return h;
        }
    }

    /**
     * Layer {@code layer} of a full-sequence pass (positions 0..T-1) on its input {@code hidden} {@code [B, T,
     * hidden]}, showing {@code observer} its activations up to {@code last}: the layer's output when {@code last} is
     * {@link ActivationObserver.Site#LAYER_OUTPUT}, null otherwise. The same arithmetic as that layer in
     * {@link #forward(NDArray, ActivationObserver, Set)}.
     */
    NDArray layer(int layer, NDArray hidden, ActivationObserver observer, ActivationObserver.Site last) {
        if (layer < 0 || layer >= layers.size()) {
            throw new TopiaryException("layer " + layer + " is out of range: the model has " + layers.size()
                    + " layers (0.." + (layers.size() - 1) + ")");
        }
        try (NDScope scope = new NDScope()) {
            NDManager m = hidden.getManager();
            int steps = Math.toIntExact(hidden.getShape().get(1));
            NDArray out = layers.get(layer).forward(hidden, rope(m, 0, steps), steps == 1 ? null : mask(m, 0, steps),
                    null, layer, observer, last);
            if (out != null) {
                NDScope.unregister(out);
            }
            return out;
        }
    }

    /** The fp32 logits {@code [..., V]} of the last layer's output {@code hidden}: the final norm, then the LM head. */
    NDArray head(NDArray hidden) {
        return head(finalNorm, hidden);
    }

    private NDArray[] rope(NDManager m, int start, int steps) {
        NDArray[] rope = rotary.table(m, start, steps, dataType);
        for (int i = 0; i < rope.length; i++) {
            rope[i] = rope[i].toDevice(device(), false);
        }
        return rope;
    }

    private NDArray mask(NDManager m, int start, int steps) {
        return causalMask(m, start, steps).toType(dataType, false).toDevice(device(), false);
    }

    /** Logits {@code [T][V]} for one sequence of token ids, on the CPU in Java arrays. */
    public float[][] logits(int[] ids) {
        try (NDManager m = manager.newSubManager()) {
            NDArray logits = forward(m.create(ids, new Shape(1, ids.length)));
            float[] flat = logits.toFloatArray();
            logits.close();
            int vocab = config.vocabSize();
            float[][] rows = new float[ids.length][];
            for (int t = 0; t < ids.length; t++) {
                rows[t] = Arrays.copyOfRange(flat, t * vocab, (t + 1) * vocab);
            }
            return rows;
        }
    }

    private void checkVocabulary(NDArray tokens) {
        if (!tokens.getDataType().isInteger()) {
            throw new TopiaryException("token ids must be integers, got " + tokens.getDataType());
        }
        long min = tokens.min().toType(DataType.INT64, false).getLong();
        long max = tokens.max().toType(DataType.INT64, false).getLong();
        if (min < 0 || max >= config.vocabSize()) {
            throw new TopiaryException("token id " + (min < 0 ? min : max) + " is outside the vocabulary: ids must be"
                    + " in [0, " + config.vocabSize() + ")");
        }
    }

    /** Additive mask {@code [T, start + T]}: query t (at position start + t) sees keys at positions <= start + t. */
    private static NDArray causalMask(NDManager m, int start, int steps) {
        int visible = start + steps;
        float[] mask = new float[steps * visible];
        for (int t = 0; t < steps; t++) {
            Arrays.fill(mask, t * visible + start + t + 1, (t + 1) * visible, Float.NEGATIVE_INFINITY);
        }
        return JavaArrays.floats(m, mask, new Shape(steps, visible));
    }

    /** Parameters, counting a tied embedding once. */
    public long parameterCount() {
        return LlamaLayout.parameterCount(config);
    }

    /** Frees the parameters; a view ({@link #withParameters}) frees nothing. */
    @Override
    public void close() {
        if (owner) {
            manager.close();
        }
    }

    /** The module tree with shapes, as a REPL shows it. */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append("Llama(").append(String.format("%,d", parameterCount())).append(" parameters, ")
                .append(dataType).append(" on ").append(device()).append(")\n");
        s.append("  embed_tokens: ").append(embedTokens.getShape()).append('\n');
        s.append("  layers: ").append(config.numHiddenLayers()).append(" x [attention: ")
                .append(config.numAttentionHeads()).append(" heads / ").append(config.numKeyValueHeads())
                .append(" kv of ").append(config.headDim()).append(", mlp: ").append(config.hiddenSize())
                .append(" -> ").append(config.intermediateSize()).append(" -> ").append(config.hiddenSize())
                .append(" (SwiGLU)]")
                .append(config.sharesLayers() ? " " + config.layerSharing() : "")
                .append('\n');
        s.append("  norm: RMSNorm(").append(config.hiddenSize()).append(", eps=").append(config.rmsNormEps())
                .append(")\n");
        s.append("  lm_head: ").append(config.tieWordEmbeddings() ? "tied to embed_tokens" : lmHead.getShape());
        if (!exitNorms.isEmpty()) {
            s.append("\n  exits: RMSNorm(").append(config.hiddenSize()).append(") + lm_head after layers ")
                    .append(config.exitLayers());
        }
        return s.toString();
    }

}
