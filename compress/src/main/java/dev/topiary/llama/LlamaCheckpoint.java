package dev.topiary.llama;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.topiary.TopiaryException;
import dev.topiary.engine.Engines;
import dev.topiary.io.CheckpointReader;
import dev.topiary.io.CheckpointWriter;
import dev.topiary.io.Overwrite;
import dev.topiary.io.TensorDType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Loads and saves {@link Llama} models as Hugging Face checkpoint directories: {@code config.json} plus
 * {@code model.safetensors}, or shards with {@code model.safetensors.index.json}, named and laid out exactly as
 * {@code LlamaForCausalLM}, so they move freely between Topiary and the Hugging Face stack.
 */
public final class LlamaCheckpoint {

    /** Hugging Face's default shard size ({@code max_shard_size="5GB"}). */
    public static final long DEFAULT_SHARD_BYTES = 5_000_000_000L;

    private LlamaCheckpoint() {}

    /**
     * Reads the checkpoint in {@code dir} onto {@code device} as {@code type} (FLOAT32 or FLOAT16). Tensors are
     * read one at a time from memory-mapped files and converted in Java (bf16 included), so loading needs memory
     * for the model plus one tensor, never two copies of the weights.
     *
     * @throws TopiaryException naming the file, tensor or field when the directory, config or weights are unusable
     */
    public static Llama load(Path dir, Device device, DataType type) {
        if (!Files.isDirectory(dir)) {
            throw new TopiaryException("model directory not found: " + dir);
        }
        LlamaConfig config = LlamaConfig.read(dir.resolve("config.json"));
        NDManager staging = Engines.engine().newBaseManager(device);
        try (CheckpointReader reader = CheckpointReader.open(dir)) {
            // Names and shapes are checked from the headers before any data is read.
            Map<String, long[]> shapes = new LinkedHashMap<>();
            for (String name : reader.names()) {
                shapes.put(name, reader.info(name).shape());
            }
            String source = "checkpoint " + dir;
            LlamaLayout.check(config, shapes, source);
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : LlamaLayout.shapes(config).keySet()) {
                tensors.put(name, reader.read(name, staging, type));
            }
            return Llama.fromParameters(config, tensors, source);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            staging.close();
        }
    }

    /** Saves in the precision the config states ({@code torch_dtype}), or F32 when it states none. */
    public static void save(Llama model, Path dir) {
        save(model, dir, storedType(model.config().torchDtype()));
    }

    /** Saves with floating tensors stored as {@code dtype}, replacing only a directory Topiary wrote. */
    public static void save(Llama model, Path dir, TensorDType dtype) {
        save(model, dir, dtype, Overwrite.TOPIARY_OUTPUT);
    }

    /**
     * Writes {@code model} to {@code dir} with floating tensors stored as {@code dtype} (F32, F16 or BF16, rounded
     * to nearest even), sharded at Hugging Face's 5 GB. The directory appears complete or not at all; an existing
     * one is replaced only as {@code overwrite} allows, keeping the files Topiary did not write (a tokenizer).
     *
     * @throws TopiaryException when the directory is not Topiary's to replace or cannot be written
     */
    public static void save(Llama model, Path dir, TensorDType dtype, Overwrite overwrite) {
        CheckpointWriter.write(dir, model.config(), model.parameters(), dtype, DEFAULT_SHARD_BYTES, overwrite);
    }

    private static TensorDType storedType(String torchDtype) {
        if (torchDtype == null) {
            return TensorDType.F32;
        }
        return switch (torchDtype.toLowerCase(Locale.ROOT)) {
            case "bfloat16" -> TensorDType.BF16;
            case "float16" -> TensorDType.F16;
            default -> TensorDType.F32;
        };
    }
}
