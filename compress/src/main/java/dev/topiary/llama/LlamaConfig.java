package dev.topiary.llama;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.io.AtomicFile;
import dev.topiary.io.IoErrors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/**
 * The architecture of a Llama 3.x model, as a Hugging Face {@code config.json} states it.
 *
 * <p>Immutable. {@link #read(Path)} parses a config file; fields Topiary does not model (architectures,
 * transformers_version, quantization settings, ...) are kept and written back unchanged by {@link #toJson()}.
 * {@link #toBuilder()} varies a config, which is how pruning describes its targets.
 */
public final class LlamaConfig {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final int hiddenSize;
    private final int intermediateSize;
    private final int numAttentionHeads;
    private final int numKeyValueHeads;
    private final int headDim;
    private final int numHiddenLayers;
    private final double rmsNormEps;
    private final double ropeTheta;
    private final RopeScaling ropeScaling;
    private final int vocabSize;
    private final boolean tieWordEmbeddings;
    private final int maxPositionEmbeddings;
    private final int bosTokenId;
    private final List<Integer> eosTokenIds;
    private final String torchDtype;
    private final List<Integer> exitLayers;
    private final List<Integer> layerBlocks;
    private final ObjectNode otherFields;

    private LlamaConfig(Builder b) {
        hiddenSize = positive("hidden_size", b.hiddenSize);
        intermediateSize = positive("intermediate_size", b.intermediateSize);
        numAttentionHeads = positive("num_attention_heads", b.numAttentionHeads);
        numKeyValueHeads = positive("num_key_value_heads", b.numKeyValueHeads == 0 ? numAttentionHeads : b.numKeyValueHeads);
        headDim = positive("head_dim", b.headDim == 0 ? defaultHeadDim(hiddenSize, numAttentionHeads) : b.headDim);
        numHiddenLayers = positive("num_hidden_layers", b.numHiddenLayers);
        vocabSize = positive("vocab_size", b.vocabSize);
        maxPositionEmbeddings = positive("max_position_embeddings", b.maxPositionEmbeddings);
        if (numAttentionHeads % numKeyValueHeads != 0) {
            throw new IllegalArgumentException("num_attention_heads (" + numAttentionHeads
                    + ") must be a multiple of num_key_value_heads (" + numKeyValueHeads + ")");
        }
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("head_dim must be even for rotary embeddings, got " + headDim);
        }
        if (!(b.rmsNormEps > 0)) {
            throw new IllegalArgumentException("rms_norm_eps must be positive, got " + b.rmsNormEps);
        }
        if (!(b.ropeTheta > 0)) {
            throw new IllegalArgumentException("rope_theta must be positive, got " + b.ropeTheta);
        }
        rmsNormEps = b.rmsNormEps;
        ropeTheta = b.ropeTheta;
        ropeScaling = b.ropeScaling;
        tieWordEmbeddings = b.tieWordEmbeddings;
        bosTokenId = tokenId("bos_token_id", b.bosTokenId, vocabSize);
        for (int eos : b.eosTokenIds) {
            tokenId("eos_token_id", eos, vocabSize);
        }
        eosTokenIds = List.copyOf(b.eosTokenIds);
        torchDtype = b.torchDtype;
        layerBlocks = b.layerBlocks == null ? null : checkedLayerBlocks(b.layerBlocks, numHiddenLayers);
        exitLayers = checkExitLayers(b.exitLayers, numHiddenLayers);
        otherFields = b.otherFields.deepCopy();
    }

    // An off-ramp after the last layer would duplicate the final head; out of order or repeated ramps are a mistake.
    private static List<Integer> checkExitLayers(List<Integer> layers, int numHiddenLayers) {
        int previous = -1;
        for (int layer : layers) {
            if (layer < 0 || layer > numHiddenLayers - 2) {
                throw new IllegalArgumentException("exit_layers: an off-ramp follows a layer in 0.."
                        + (numHiddenLayers - 2) + " (every layer but the last, whose output is the model's own"
                        + " head), got " + layer + " in a model of " + numHiddenLayers + " layers");
            }
            if (layer <= previous) {
                throw new IllegalArgumentException("exit_layers must be strictly increasing, without repeats, got "
                        + layers);
            }
            previous = layer;
        }
        return List.copyOf(layers);
    }

    // One block per layer, numbered in order of first use (block b first used before block b + 1), so that the
    // numbering is unique and every block from 0 to the largest is used.
    private static List<Integer> checkedLayerBlocks(List<Integer> blocks, int layers) {
        if (blocks.size() != layers) {
            throw new IllegalArgumentException("layer_blocks names " + blocks.size() + " blocks but num_hidden_layers"
                    + " is " + layers + ": it needs one block per layer");
        }
        int next = 0;
        for (int layer = 0; layer < layers; layer++) {
            int block = blocks.get(layer);
            if (block < 0 || block > next) {
                throw new IllegalArgumentException("layer_blocks " + blocks + ": layer " + layer + " uses block "
                        + block + ", but blocks are numbered from 0 in order of first use, so it may use blocks 0.."
                        + next);
            }
            next = Math.max(next, block + 1);
        }
        return List.copyOf(blocks);
    }

    private static int defaultHeadDim(int hidden, int heads) {
        if (hidden % heads != 0) {
            throw new IllegalArgumentException("head_dim is not given and hidden_size (" + hidden
                    + ") is not a multiple of num_attention_heads (" + heads + ")");
        }
        return hidden / heads;
    }

    private static int positive(String field, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be a positive integer, got " + value);
        }
        return value;
    }

    // A special token id must name a row of the embedding, or generation can never emit (or stop at) it.
    private static int tokenId(String field, int id, int vocabSize) {
        if (id < 0 || id >= vocabSize) {
            throw new IllegalArgumentException(field + " " + id + " is outside the vocabulary: vocab_size is "
                    + vocabSize + ", so ids run from 0 to " + (vocabSize - 1));
        }
        return id;
    }

    /** Starts a config; hidden, FFN, heads, layers and vocabulary sizes are required, the rest have defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this config's values, to vary it. */
    public Builder toBuilder() {
        Builder b = new Builder()
                .setHiddenSize(hiddenSize)
                .setIntermediateSize(intermediateSize)
                .setNumAttentionHeads(numAttentionHeads)
                .optNumKeyValueHeads(numKeyValueHeads)
                .optHeadDim(headDim)
                .setNumHiddenLayers(numHiddenLayers)
                .optRmsNormEps(rmsNormEps)
                .optRopeTheta(ropeTheta)
                .optRopeScaling(ropeScaling)
                .setVocabSize(vocabSize)
                .optTieWordEmbeddings(tieWordEmbeddings)
                .optMaxPositionEmbeddings(maxPositionEmbeddings)
                .optBosTokenId(bosTokenId)
                .optEosTokenIds(eosTokenIds)
                .optTorchDtype(torchDtype)
                .optLayerBlocks(layerBlocks)
                .optExitLayers(exitLayers);
        b.otherFields = otherFields.deepCopy();
        return b;
    }

    /**
     * This config with a vocabulary of {@code vocab} ids, its begin and end token ids moved along with the end of the
     * vocabulary: each keeps its distance from the last id, where the presets put special tokens (the tiny preset's
     * 4094 and 4095 of 4096 become 298 and 299 of 300; Llama 3's 128000 of 128256 becomes {@code vocab - 256}).
     *
     * @throws IllegalArgumentException when {@code vocab} is too small for the special ids to keep their distance
     *     from its end
     */
    public LlamaConfig withVocabSize(int vocab) {
        int shift = vocab - vocabSize;
        int bos = moved("bos_token_id", bosTokenId, shift, vocab);
        List<Integer> eos = eosTokenIds.stream().map(id -> moved("eos_token_id", id, shift, vocab)).toList();
        return toBuilder().setVocabSize(vocab).optBosTokenId(bos).optEosTokenIds(eos).build();
    }

    private int moved(String field, int id, int shift, int vocab) {
        if (id + shift < 0) {
            throw new IllegalArgumentException("vocab_size " + vocab + " is too small: " + field + " " + id + " sits "
                    + (vocabSize - id) + " ids from the end of a vocabulary of " + vocabSize
                    + ", and the special tokens keep their place at the end");
        }
        return id + shift;
    }

    /** Reads {@code config.json}, or the {@code config.json} inside a directory. */
    public static LlamaConfig read(Path path) {
        Path file = Files.isDirectory(path) ? path.resolve("config.json") : path;
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new TopiaryException("config file not found: " + file);
        } catch (IOException e) {
            throw new TopiaryException("cannot read config file " + file + ": " + IoErrors.describe(e), e);
        }
        return fromJson(text, file.toString());
    }

    /**
     * Parses config JSON. {@code source} names where it came from, for error messages.
     *
     * @throws TopiaryException naming the field and what was expected when the JSON is not a usable Llama config
     */
    public static LlamaConfig fromJson(String json, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new TopiaryException(source + " is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new TopiaryException(source + " must hold a JSON object");
        }
        return new ConfigParser((ObjectNode) root, source).parse();
    }

    /** This config as Hugging Face {@code config.json}: known fields as set here, all other fields as read. */
    public ObjectNode toJson() {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        if (otherFields.isEmpty()) {
            ArrayNode architectures = out.putArray("architectures");
            architectures.add("LlamaForCausalLM");
            out.put("model_type", "llama");
            out.put("hidden_act", "silu");
            out.put("attention_bias", false);
            out.put("mlp_bias", false);
        }
        out.setAll(otherFields);
        out.put("hidden_size", hiddenSize);
        out.put("intermediate_size", intermediateSize);
        out.put("num_attention_heads", numAttentionHeads);
        out.put("num_key_value_heads", numKeyValueHeads);
        out.put("head_dim", headDim);
        out.put("num_hidden_layers", numHiddenLayers);
        out.put("rms_norm_eps", rmsNormEps);
        out.put("rope_theta", ropeTheta);
        if (ropeScaling == null) {
            out.putNull("rope_scaling");
        } else {
            ObjectNode rs = out.putObject("rope_scaling");
            rs.put("rope_type", RopeScaling.TYPE);
            rs.put("factor", ropeScaling.factor());
            rs.put("low_freq_factor", ropeScaling.lowFreqFactor());
            rs.put("high_freq_factor", ropeScaling.highFreqFactor());
            rs.put("original_max_position_embeddings", ropeScaling.originalMaxPositionEmbeddings());
        }
        out.put("vocab_size", vocabSize);
        out.put("tie_word_embeddings", tieWordEmbeddings);
        out.put("max_position_embeddings", maxPositionEmbeddings);
        out.put("bos_token_id", bosTokenId);
        if (eosTokenIds.size() == 1) {
            out.put("eos_token_id", eosTokenIds.get(0));
        } else {
            ArrayNode eos = out.putArray("eos_token_id");
            eosTokenIds.forEach(eos::add);
        }
        if (torchDtype != null) {
            out.put("torch_dtype", torchDtype);
        }
        if (layerBlocks != null) {
            ArrayNode blocks = out.putArray("layer_blocks");
            layerBlocks.forEach(blocks::add);
        }
        if (!exitLayers.isEmpty()) {
            ArrayNode exits = out.putArray("exit_layers");
            exitLayers.forEach(exits::add);
        }
        return out;
    }

    /** Writes {@link #toJson()} to a file, via a temporary name renamed when complete. */
    public void write(Path file) throws IOException {
        AtomicFile.writeString(file, toJsonString());
    }

    /** {@link #toJson()} as indented text. */
    public String toJsonString() {
        try {
            return JSON.writeValueAsString(toJson()) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public int hiddenSize() { return hiddenSize; }
    public int intermediateSize() { return intermediateSize; }
    public int numAttentionHeads() { return numAttentionHeads; }
    public int numKeyValueHeads() { return numKeyValueHeads; }
    /** Width of one attention head; may differ from hidden / heads (Minitron-4B-Width keeps 128 at hidden 3072). */
    public int headDim() { return headDim; }
    public int numHiddenLayers() { return numHiddenLayers; }
    public double rmsNormEps() { return rmsNormEps; }
    public double ropeTheta() { return ropeTheta; }
    /** The llama3 rotary scaling, or null when frequencies are unscaled. */
    public RopeScaling ropeScaling() { return ropeScaling; }
    public int vocabSize() { return vocabSize; }
    public boolean tieWordEmbeddings() { return tieWordEmbeddings; }
    public int maxPositionEmbeddings() { return maxPositionEmbeddings; }
    public int bosTokenId() { return bosTokenId; }
    /** Token ids that end generation (Llama-3.1 has three). */
    public List<Integer> eosTokenIds() { return eosTokenIds; }
    /** The dtype the checkpoint was saved in ("bfloat16", "float16", "float32"), or null when not stated. */
    public String torchDtype() { return torchDtype; }
    /**
     * The layers (0-based) followed by an early-exit off-ramp, increasing; empty for a plain model. Written to
     * config.json as {@code exit_layers} only when there are some, so a plain model's config is Hugging Face's.
     */
    public List<Integer> exitLayers() { return exitLayers; }

    /**
     * The block of weights each layer computes with, by layer, when layers share weights (layer {@code i} uses block
     * {@code layerBlocks().get(i)}, blocks numbered in order of first use); null when every layer has its own. Hugging
     * Face's Llama has no such key: a model that has it is saved with one copy of each block
     * ({@link LlamaLayout#storedLayer}).
     */
    public List<Integer> layerBlocks() { return layerBlocks; }

    /** Whether the config maps layers to blocks ({@link #layerBlocks()}), even one block per layer. */
    public boolean sharesLayers() { return layerBlocks != null; }

    /** Distinct blocks of layer weights: {@link #numHiddenLayers()} unless layers share them. */
    public int numBlocks() {
        return layerBlocks == null ? numHiddenLayers : layerBlocks.stream().mapToInt(b -> b + 1).max().orElse(0);
    }

    /** This config with every layer its own block again: the architecture a model that shares layers expands to. */
    public LlamaConfig withoutLayerSharing() {
        return toBuilder().optLayerBlocks(null).build();
    }

    /** {@code "sharing 2 blocks [0, 1, 0, 1]"} when layers share weights, else empty: for display. */
    public String layerSharing() {
        return layerBlocks == null ? ""
                : "sharing " + numBlocks() + (numBlocks() == 1 ? " block " : " blocks ") + layerBlocks;
    }

    /**
     * @throws TopiaryException naming {@code what} when layers share weights, for work that treats each layer's
     *     weights as its own
     */
    public void checkUnshared(String what) {
        if (layerBlocks != null) {
            throw new TopiaryException(what + " treats each layer's weights as its own, but this model's "
                    + numHiddenLayers + " layers are " + layerSharing() + ": apply it before sharing layers, or to"
                    + " an expanded copy (Model.saveExpanded, then Model.load)");
        }
    }

    /** Query heads that share one key/value head. */
    public int queryGroupSize() { return numAttentionHeads / numKeyValueHeads; }

    @Override
    public boolean equals(Object o) {
        return o instanceof LlamaConfig other && toJson().equals(other.toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return "LlamaConfig{layers=" + numHiddenLayers + ", hidden=" + hiddenSize + ", ffn=" + intermediateSize
                + ", heads=" + numAttentionHeads + ", kv_heads=" + numKeyValueHeads + ", head_dim=" + headDim
                + ", vocab=" + vocabSize + ", rope_theta=" + ropeTheta
                + (ropeScaling == null ? "" : ", rope_scaling=llama3(x" + ropeScaling.factor() + ")")
                + (tieWordEmbeddings ? ", tied" : "")
                + (layerBlocks == null ? "" : ", " + layerSharing())
                + (exitLayers.isEmpty() ? "" : ", exits after " + exitLayers) + "}";
    }

    /**
     * Builds a {@link LlamaConfig}: {@code set*} values are required, {@code opt*} values default to those of Hugging
     * Face transformers' {@code LlamaConfig}. These defaults are the only ones: {@link #fromJson} starts from a builder
     * and sets only the fields the JSON holds, so a config file that omits a field gets the same value as a builder
     * that is not told it (and as transformers reading that file).
     */
    public static final class Builder {
        private int hiddenSize;
        private int intermediateSize;
        private int numAttentionHeads;
        private int numKeyValueHeads;
        private int headDim;
        private int numHiddenLayers;
        private double rmsNormEps = 1e-6;
        private double ropeTheta = 10000;
        private RopeScaling ropeScaling;
        private int vocabSize;
        private boolean tieWordEmbeddings;
        private int maxPositionEmbeddings = 2048;
        private int bosTokenId = 1;
        private List<Integer> eosTokenIds = List.of(2);
        private String torchDtype;
        private List<Integer> layerBlocks;
        private List<Integer> exitLayers = List.of();
        private ObjectNode otherFields = JsonNodeFactory.instance.objectNode();

        private Builder() {}

        public Builder setHiddenSize(int v) { hiddenSize = v; return this; }
        public Builder setIntermediateSize(int v) { intermediateSize = v; return this; }
        public Builder setNumAttentionHeads(int v) { numAttentionHeads = v; return this; }
        /** Defaults to the number of attention heads (multi-head attention). */
        public Builder optNumKeyValueHeads(int v) { numKeyValueHeads = v; return this; }
        /** Defaults to hidden size / attention heads. */
        public Builder optHeadDim(int v) { headDim = v; return this; }
        public Builder setNumHiddenLayers(int v) { numHiddenLayers = v; return this; }
        /** Defaults to 1e-6 (Llama 3.x uses 1e-5). */
        public Builder optRmsNormEps(double v) { rmsNormEps = v; return this; }
        /** Defaults to 10000 (Llama 3.x uses 500000). */
        public Builder optRopeTheta(double v) { ropeTheta = v; return this; }
        /** Defaults to none: unscaled frequencies. */
        public Builder optRopeScaling(RopeScaling v) { ropeScaling = v; return this; }
        public Builder setVocabSize(int v) { vocabSize = v; return this; }
        /** Defaults to false: a separate {@code lm_head.weight}. */
        public Builder optTieWordEmbeddings(boolean v) { tieWordEmbeddings = v; return this; }
        /** Defaults to 2048 (Llama-3.1 uses 131072). */
        public Builder optMaxPositionEmbeddings(int v) { maxPositionEmbeddings = v; return this; }
        /** Defaults to 1. */
        public Builder optBosTokenId(int v) { bosTokenId = v; return this; }
        /** Defaults to [2]. */
        public Builder optEosTokenIds(List<Integer> v) { eosTokenIds = List.copyOf(v); return this; }
        /** Defaults to not stated. */
        public Builder optTorchDtype(String v) { torchDtype = v; return this; }
        /** Defaults to none: every layer its own weights. See {@link LlamaConfig#layerBlocks()}. */
        public Builder optLayerBlocks(List<Integer> v) { layerBlocks = v == null ? null : List.copyOf(v); return this; }
        /** Defaults to none: a model without early-exit off-ramps. */
        public Builder optExitLayers(List<Integer> v) { exitLayers = List.copyOf(v); return this; }

        public LlamaConfig build() {
            return new LlamaConfig(this);
        }
    }

    /** Reads the known fields out of a config object and keeps the rest; every error names the field. */
    private static final class ConfigParser {
        private final ObjectNode root;
        private final String source;

        ConfigParser(ObjectNode root, String source) {
            this.root = root;
            this.source = source;
        }

        LlamaConfig parse() {
            String modelType = root.path("model_type").asText("llama");
            if (!modelType.equals("llama")) {
                throw error("model_type", "is '" + modelType + "'; Topiary reads Llama checkpoints (model_type 'llama')");
            }
            String act = root.path("hidden_act").asText("silu");
            if (!act.equals("silu")) {
                throw error("hidden_act", "is '" + act + "'; Llama uses 'silu'");
            }
            for (String bias : List.of("attention_bias", "mlp_bias")) {
                if (root.path(bias).asBoolean(false)) {
                    throw error(bias, "is true; Topiary's Llama has no bias terms");
                }
            }
            Builder b = builder()
                    .setHiddenSize(requiredInt("hidden_size"))
                    .setIntermediateSize(requiredInt("intermediate_size"))
                    .setNumAttentionHeads(requiredInt("num_attention_heads"))
                    .setNumHiddenLayers(requiredInt("num_hidden_layers"))
                    .setVocabSize(requiredInt("vocab_size"));
            // Only what the file states is set: everything else keeps the builder's default.
            ifPresent("num_key_value_heads", this::integer, b::optNumKeyValueHeads);
            ifPresent("head_dim", this::integer, b::optHeadDim);
            ifPresent("rms_norm_eps", this::decimal, b::optRmsNormEps);
            ifPresent("rope_theta", this::decimal, b::optRopeTheta);
            ifPresent("rope_scaling", this::ropeScaling, b::optRopeScaling);
            ifPresent("tie_word_embeddings", this::bool, b::optTieWordEmbeddings);
            ifPresent("max_position_embeddings", this::integer, b::optMaxPositionEmbeddings);
            ifPresent("bos_token_id", this::integer, b::optBosTokenId);
            ifPresent("eos_token_id", this::eosTokenIds, b::optEosTokenIds);
            ifPresent("dtype", this::text, b::optTorchDtype);
            ifPresent("torch_dtype", this::text, b::optTorchDtype);
            ifPresent("layer_blocks", this::integers, b::optLayerBlocks);
            ifPresent("exit_layers", this::integers, b::optExitLayers);
            ObjectNode other = root.deepCopy();
            other.remove(List.of("hidden_size", "intermediate_size", "num_attention_heads", "num_key_value_heads",
                    "head_dim", "num_hidden_layers", "rms_norm_eps", "rope_theta", "rope_scaling", "vocab_size",
                    "tie_word_embeddings", "max_position_embeddings", "bos_token_id", "eos_token_id",
                    "torch_dtype", "dtype", "layer_blocks", "exit_layers"));
            b.otherFields = other;
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new TopiaryException(source + ": " + e.getMessage());
            }
        }

        /** Reads {@code field} with {@code reader} and gives the value to {@code setter}, unless absent or null. */
        private <T> void ifPresent(String field, BiFunction<String, JsonNode, T> reader, Consumer<T> setter) {
            JsonNode n = root.get(field);
            if (n != null && !n.isNull()) {
                setter.accept(reader.apply(field, n));
            }
        }

        private RopeScaling ropeScaling(String field, JsonNode rs) {
            if (!rs.isObject()) {
                throw error(field, "must be an object or null");
            }
            String type = rs.path("rope_type").asText(rs.path("type").asText(""));
            if (type.equals("default")) {
                return null;
            }
            if (!type.equals(RopeScaling.TYPE)) {
                throw error(field + ".rope_type", "is '" + type + "'; Topiary implements 'llama3' scaling only");
            }
            try {
                return new RopeScaling(
                        number(rs, field + ".factor").doubleValue(),
                        number(rs, field + ".low_freq_factor").doubleValue(),
                        number(rs, field + ".high_freq_factor").doubleValue(),
                        number(rs, field + ".original_max_position_embeddings").intValue());
            } catch (IllegalArgumentException e) {
                throw new TopiaryException(source + ": " + e.getMessage());
            }
        }

        private Number number(JsonNode parent, String path) {
            String field = path.substring(path.lastIndexOf('.') + 1);
            JsonNode n = parent.get(field);
            if (n == null || !n.isNumber()) {
                throw error(path, n == null ? "is required (a number)" : "must be a number, got " + n);
            }
            return n.numberValue();
        }

        private List<Integer> eosTokenIds(String field, JsonNode n) {
            List<Integer> ids = new ArrayList<>();
            if (n.isIntegralNumber()) {
                ids.add(n.intValue());
            } else if (n.isArray() && !n.isEmpty()) {
                for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                    JsonNode e = it.next();
                    if (!e.isIntegralNumber()) {
                        throw error(field, "must hold integers, got " + e);
                    }
                    ids.add(e.intValue());
                }
            } else {
                throw error(field, "must be an integer or a non-empty list of integers, got " + n);
            }
            return ids;
        }

        private List<Integer> integers(String field, JsonNode n) {
            if (!n.isArray()) {
                throw error(field, "must be a list of integers, got " + n);
            }
            List<Integer> values = new ArrayList<>();
            for (JsonNode e : n) {
                values.add(integer(field, e));
            }
            return values;
        }

        private int requiredInt(String field) {
            JsonNode n = root.get(field);
            if (n == null || n.isNull()) {
                throw error(field, "is required (a positive integer)");
            }
            return integer(field, n);
        }

        private int integer(String field, JsonNode n) {
            if (!n.isIntegralNumber() || !n.canConvertToInt()) {
                throw error(field, "must be an integer, got " + n);
            }
            return n.intValue();
        }

        private double decimal(String field, JsonNode n) {
            if (!n.isNumber()) {
                throw error(field, "must be a number, got " + n);
            }
            return n.doubleValue();
        }

        private boolean bool(String field, JsonNode n) {
            if (!n.isBoolean()) {
                throw error(field, "must be true or false, got " + n);
            }
            return n.booleanValue();
        }

        private String text(String field, JsonNode n) {
            return n.asText();
        }

        private TopiaryException error(String field, String problem) {
            return new TopiaryException(source + ": field '" + field + "' " + problem);
        }
    }
}
