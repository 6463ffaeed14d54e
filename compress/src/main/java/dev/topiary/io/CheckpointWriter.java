package dev.topiary.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a model directory in Hugging Face layout: {@code config.json} plus {@code model.safetensors}, or shards
 * {@code model-0000i-of-0000k.safetensors} with {@code model.safetensors.index.json} when the weights exceed the
 * shard size. Transformers' {@code from_pretrained} loads the result.
 *
 * <p>The directory is built under a hidden temporary sibling name and renamed into place only when complete (see
 * {@link AtomicDirectory}), so a failure or crash never leaves a half-written checkpoint under the real name.
 */
public final class CheckpointWriter {

    private CheckpointWriter() {}

    /**
     * Writes {@code config} and {@code tensors} (in map order) as a checkpoint in {@code dir}.
     *
     * <p>Floating arrays are stored as {@code floatDType} and the config's {@code torch_dtype} is set to match;
     * integer arrays are stored as they are. Shards fill greedily in map order up to {@code maxShardBytes} of tensor
     * data; a tensor larger than that gets a shard of its own. Each file carries the metadata
     * {@code {"format": "pt"}}, as Transformers writes it.
     *
     * <p>If {@code dir} exists it is replaced only if Topiary wrote it (or {@code overwrite} forces it): the new
     * checkpoint is complete before the old one is moved aside and deleted. Files in the old directory that Topiary
     * did not write (a tokenizer, a README, the user's notes) are carried over; see {@link AtomicDirectory}.
     *
     * @throws IllegalArgumentException when {@code maxShardBytes} is not positive, {@code floatDType} is not
     *     floating, or an array has a type safetensors export does not take
     * @throws TopiaryException when the directory is not Topiary's to replace or cannot be written
     */
    public static void write(Path dir, LlamaConfig config, Map<String, NDArray> tensors, TensorDType floatDType,
            long maxShardBytes, Overwrite overwrite) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        if (!floatDType.isFloating()) {
            throw new IllegalArgumentException("floatDType must be F32, F16 or BF16, not " + floatDType);
        }
        List<Map<String, NDArray>> shards = plan(tensors, floatDType, maxShardBytes);
        AtomicDirectory.write(dir, "checkpoint", overwrite, tmp -> {
            LlamaConfig stamped = config.toBuilder().optTorchDtype(torchDtype(floatDType)).build();
            stamped.write(tmp.resolve(CheckpointFiles.CONFIG));
            Map<String, String> metadata = Map.of("format", "pt");
            if (shards.size() == 1) {
                SafetensorsWriter.write(tmp.resolve(CheckpointFiles.SINGLE), shards.get(0), floatDType, metadata);
            } else {
                Map<String, String> weightMap = new TreeMap<>();
                long totalSize = 0;
                for (int i = 0; i < shards.size(); i++) {
                    String name = CheckpointFiles.shardName(i + 1, shards.size());
                    SafetensorsWriter.write(tmp.resolve(name), shards.get(i), floatDType, metadata);
                    for (Map.Entry<String, NDArray> e : shards.get(i).entrySet()) {
                        weightMap.put(e.getKey(), name);
                        totalSize += SafetensorsWriter.storedBytes(e.getKey(), e.getValue(), floatDType);
                    }
                }
                Files.writeString(tmp.resolve(CheckpointFiles.INDEX), indexJson(totalSize, weightMap));
            }
        });
    }

    /** Greedy shard plan in map order: a new shard starts when the next tensor would overflow the current one. */
    static List<Map<String, NDArray>> plan(Map<String, NDArray> tensors, TensorDType floatDType, long maxShardBytes) {
        List<Map<String, NDArray>> shards = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long size = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long bytes = SafetensorsWriter.storedBytes(e.getKey(), e.getValue(), floatDType);
            if (!current.isEmpty() && size + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                size = 0;
            }
            current.put(e.getKey(), e.getValue());
            size += bytes;
        }
        shards.add(current);
        return shards;
    }

    // Formatted as Transformers writes it: json.dumps(index, indent=2, sort_keys=True) + "\n".
    private static String indexJson(long totalSize, Map<String, String> sortedWeightMap) throws IOException {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.putObject("metadata").put("total_size", totalSize);
        ObjectNode map = root.putObject("weight_map");
        sortedWeightMap.forEach(map::put);
        DefaultPrettyPrinter printer = new DefaultPrettyPrinter(Separators.createDefaultInstance()
                .withObjectFieldValueSpacing(Separators.Spacing.AFTER))
                .withObjectIndenter(new DefaultIndenter("  ", "\n"));
        return SafetensorsReader.JSON.writer(printer).writeValueAsString(root) + "\n";
    }

    private static String torchDtype(TensorDType floatDType) {
        return switch (floatDType) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
            default -> throw new AssertionError(floatDType);
        };
    }
}
