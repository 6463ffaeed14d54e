package dev.topiary.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.engine.JavaArrays;
import dev.topiary.io.AtomicDirectory;
import dev.topiary.io.IoErrors;
import dev.topiary.io.Overwrite;
import dev.topiary.io.SafetensorsReader;
import dev.topiary.io.SafetensorsWriter;
import dev.topiary.io.TensorDType;
import dev.topiary.io.TensorInfo;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads a {@link PackedModel} as a directory:
 * <ul>
 *   <li>{@code config.json}: the model's Hugging Face config plus a {@code quantization_config} object (method,
 *       scheme, bits, group size, symmetry, packing, {@code activations} when the linear layers' inputs are
 *       quantized too ({@link ActivationScheme#id()}), and the list of quantized tensors);</li>
 *   <li>{@code model.safetensors}: the floating tensors as F32, and for each quantized tensor {@code NAME}:
 *       {@code NAME.qweight} (the packed codes: I8 {@code [out, in]} for INT8, U8 {@code [out, in]} for FP8, U8
 *       {@code [out, in / 2]} for INT4), {@code NAME.scales} (F32) and, for INT4, {@code NAME.zeros} (U8, one zero
 *       point per byte, shaped as the scales).</li>
 * </ul>
 * The bytes on disk are the bytes in memory, so a save and load round trip is bit-exact.
 */
public final class QuantizedCheckpoint {

    /** The config field that describes the quantization. */
    public static final String QUANTIZATION_CONFIG = "quantization_config";

    /** {@code quant_method} written by Topiary. */
    public static final String METHOD = "topiary";

    // The key of quantization_config that names how activations are quantized (absent: they are not).
    private static final String ACTIVATIONS = "activations";

    private static final String CONFIG = "config.json";
    private static final String WEIGHTS = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper();

    private QuantizedCheckpoint() {}

    /**
     * Writes {@code model} to {@code dir}, which appears complete or not at all. An existing directory is replaced
     * only if Topiary wrote it, and the files the user added to it are kept (see {@link AtomicDirectory}).
     *
     * @throws TopiaryException when the directory is not Topiary's to replace or cannot be written
     */
    public static void save(PackedModel model, Path dir) {
        ObjectNode config = model.config().toJson();
        config.set(QUANTIZATION_CONFIG, describe(model));
        AtomicDirectory.write(dir, "quantized model", Overwrite.TOPIARY_OUTPUT, tmp -> {
            Files.writeString(tmp.resolve(CONFIG), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config)
                    + "\n");
            try (NDManager staging = Engines.engine().newBaseManager(Device.cpu())) {
                Map<String, NDArray> tensors = new LinkedHashMap<>(model.floating());
                model.quantized().forEach((name, q) -> {
                    long[] packedShape = {q.rows(), q.columns() / q.scheme().codesPerByte()};
                    DataType codes = q.scheme().codeType() == TensorDType.I8 ? DataType.INT8 : DataType.UINT8;
                    tensors.put(name + ".qweight", JavaArrays.bytes(staging, q.data(), new Shape(packedShape), codes));
                    tensors.put(name + ".scales", JavaArrays.floats(staging, q.scales(), new Shape(scaleShape(q))));
                    if (q.scheme().hasZeroPoints()) {
                        tensors.put(name + ".zeros", JavaArrays.bytes(staging, q.zeros(), new Shape(scaleShape(q)), DataType.UINT8));
                    }
                });
                SafetensorsWriter.write(tmp.resolve(WEIGHTS), tensors, TensorDType.F32,
                        Map.of("format", "pt", "quant_method", METHOD));
            }
        });
    }

    /** Whether {@code dir}'s config.json describes a quantized model (one {@link #load} reads). */
    public static boolean isQuantized(Path dir) {
        Path config = (Files.isDirectory(dir) ? dir : dir.getParent()).resolve(CONFIG);
        try {
            return Files.isRegularFile(config) && JSON.readTree(config.toFile()).has(QUANTIZATION_CONFIG);
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Reads a directory written by {@link #save}, with the floating tensors on {@code device} in fp32.
     *
     * @throws TopiaryException naming the file, tensor or field when the directory is not a usable quantized model
     */
    public static PackedModel load(Path dir, Device device) {
        Path configFile = dir.resolve(CONFIG);
        ObjectNode root = readConfig(configFile);
        JsonNode q = root.remove(QUANTIZATION_CONFIG);
        if (q == null || !q.isObject()) {
            throw new TopiaryException(configFile + " has no " + QUANTIZATION_CONFIG
                    + " object: it is not a quantized model (load it with LlamaCheckpoint)");
        }
        LlamaConfig config = LlamaConfig.fromJson(root.toString(), configFile.toString());
        String method = q.path("quant_method").asText("");
        if (!METHOD.equals(method)) {
            throw new TopiaryException(configFile + ": " + QUANTIZATION_CONFIG + ".quant_method is '" + method
                    + "'; expected '" + METHOD + "'");
        }
        QuantScheme scheme = QuantScheme.of(q.path("scheme").asText(""), q.path("group_size").asInt(0));
        ActivationScheme activations = readActivations(q, configFile);
        JsonNode names = q.get("quantized_tensors");
        if (names == null || !names.isArray()) {
            throw new TopiaryException(configFile + ": " + QUANTIZATION_CONFIG
                    + ".quantized_tensors must be an array of tensor names");
        }
        Path weights = dir.resolve(WEIGHTS);
        Map<String, QuantizedTensor> quantized = new LinkedHashMap<>();
        Map<String, NDArray> floating = new LinkedHashMap<>();
        try (SafetensorsReader reader = SafetensorsReader.open(weights);
                NDManager staging = Engines.engine().newBaseManager(device)) {
            for (JsonNode n : names) {
                String name = n.asText();
                quantized.put(name, readQuantized(reader, staging, name, scheme));
            }
            for (String name : reader.tensors().keySet()) {
                String base = baseName(name);
                if (quantized.containsKey(base)) {
                    continue;
                }
                if (!base.equals(name)) {
                    throw new TopiaryException(weights + " holds " + name + " but " + base + " is not listed in "
                            + QUANTIZATION_CONFIG + ".quantized_tensors");
                }
                NDArray t = reader.read(name, staging, DataType.FLOAT32);
                floating.put(name, t);
            }
            return new PackedModel(config, scheme, quantized, floating, "quantized model " + dir, activations);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static QuantizedTensor readQuantized(SafetensorsReader reader, NDManager staging, String name,
            QuantScheme scheme) {
        TensorInfo packed = reader.info(name + ".qweight");
        TensorDType expected = scheme.codeType();
        if (packed.dtype() != expected || packed.shape().length != 2) {
            throw new TopiaryException(reader.file() + ": tensor " + name + ".qweight is "
                    + packed.dtype().safetensorsName() + " " + Arrays.toString(packed.shape()) + "; " + scheme
                    + " stores 2-D " + expected.safetensorsName() + " codes");
        }
        long[] shape = {packed.shape()[0], packed.shape()[1] * scheme.codesPerByte()};
        byte[] data = readBytes(reader, staging, name + ".qweight");
        float[] scales = reader.readFloats(name + ".scales");
        byte[] zeros = new byte[0];
        if (scheme.hasZeroPoints()) {
            TensorInfo z = reader.info(name + ".zeros");
            if (z.dtype() != TensorDType.U8) {
                throw new TopiaryException(reader.file() + ": tensor " + name + ".zeros is "
                        + z.dtype().safetensorsName() + "; INT4 zero points are stored as U8");
            }
            zeros = readBytes(reader, staging, name + ".zeros");
        }
        return QuantizedTensor.of(name, scheme, shape, data, scales, zeros);
    }

    private static byte[] readBytes(SafetensorsReader reader, NDManager staging, String name) {
        try (NDArray t = reader.read(name, staging, null)) {
            return t.toByteArray();
        }
    }

    private static ObjectNode describe(PackedModel model) {
        QuantScheme scheme = model.scheme();
        ObjectNode q = JSON.createObjectNode();
        q.put("quant_method", METHOD);
        q.put("scheme", scheme.id());
        q.put("bits", scheme.bits());
        scheme.describe(q);
        if (model.activations() != ActivationScheme.NONE) {
            q.put(ACTIVATIONS, model.activations().id());
        }
        ArrayNode names = q.putArray("quantized_tensors");
        model.quantized().keySet().forEach(names::add);
        return q;
    }

    // The activation scheme a config states; absent (every checkpoint before activation quantization): none.
    private static ActivationScheme readActivations(JsonNode q, Path configFile) {
        JsonNode activations = q.get(ACTIVATIONS);
        if (activations == null) {
            return ActivationScheme.NONE;
        }
        try {
            return ActivationScheme.parse(activations.asText());
        } catch (TopiaryException e) {
            throw new TopiaryException(configFile + ": " + QUANTIZATION_CONFIG + "." + ACTIVATIONS + ": "
                    + e.getMessage());
        }
    }

    private static ObjectNode readConfig(Path file) {
        try {
            JsonNode root = JSON.readTree(Files.readString(file));
            if (root == null || !root.isObject()) {
                throw new TopiaryException(file + " must hold a JSON object");
            }
            return (ObjectNode) root;
        } catch (NoSuchFileException e) {
            throw new TopiaryException("config file not found: " + file);
        } catch (JsonProcessingException e) {
            throw new TopiaryException(file + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new TopiaryException("cannot read config file " + file + ": " + IoErrors.describe(e), e);
        }
    }

    private static String baseName(String tensor) {
        for (String suffix : new String[] {".qweight", ".scales", ".zeros"}) {
            if (tensor.endsWith(suffix)) {
                return tensor.substring(0, tensor.length() - suffix.length());
            }
        }
        return tensor;
    }

    private static long[] scaleShape(QuantizedTensor q) {
        return q.scheme().scaleShape(q.rows(), q.columns());
    }
}
