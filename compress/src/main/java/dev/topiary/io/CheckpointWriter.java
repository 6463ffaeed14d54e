package dev.topiary.io;

import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.topiary.TopiaryException;
import dev.topiary.llama.LlamaConfig;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Writes a model directory in Hugging Face layout: {@code config.json} plus {@code model.safetensors}, or shards
 * {@code model-0000i-of-0000k.safetensors} with {@code model.safetensors.index.json} when the weights exceed the
 * shard size. Transformers' {@code from_pretrained} loads the result.
 *
 * <p>The directory is built under a hidden temporary sibling name and renamed into place only when complete, so a
 * failure or crash never leaves a half-written checkpoint under the real name.
 */
public final class CheckpointWriter {

    private static final System.Logger LOG = System.getLogger(CheckpointWriter.class.getName());

    private CheckpointWriter() {}

    /**
     * Writes {@code config} and {@code tensors} (in map order) as a checkpoint in {@code dir}.
     *
     * <p>Floating arrays are stored as {@code floatDType} and the config's {@code torch_dtype} is set to match;
     * integer arrays are stored as they are. Shards fill greedily in map order up to {@code maxShardBytes} of tensor
     * data; a tensor larger than that gets a shard of its own. Each file carries the metadata
     * {@code {"format": "pt"}}, as Transformers writes it.
     *
     * <p>If {@code dir} exists it is replaced whole: the new checkpoint is complete before the old one is moved
     * aside and deleted. Files in the old directory that do not describe weights or architecture (tokenizer files,
     * generation config, README, ...) are carried over; old configs and weight files of any format are not.
     *
     * @throws IllegalArgumentException when {@code maxShardBytes} is not positive, {@code floatDType} is not
     *     floating, or an array has a type safetensors export does not take
     * @throws TopiaryException when the directory cannot be written
     */
    public static void write(Path dir, LlamaConfig config, Map<String, NDArray> tensors, TensorDType floatDType,
            long maxShardBytes) {
        if (maxShardBytes <= 0) {
            throw new IllegalArgumentException("maxShardBytes must be positive, got " + maxShardBytes);
        }
        if (!floatDType.isFloating()) {
            throw new IllegalArgumentException("floatDType must be F32, F16 or BF16, not " + floatDType);
        }
        Path target = dir.toAbsolutePath().normalize();
        List<Map<String, NDArray>> shards = plan(tensors, floatDType, maxShardBytes);
        Path tmp = null;
        boolean done = false;
        try {
            if (Files.exists(target)) {
                if (!Files.isDirectory(target)) {
                    throw new TopiaryException("cannot write a checkpoint to " + dir + ": it exists and is not a directory");
                }
                // Build beside the real directory (not beside a symlink to it), so the final rename stays on one
                // file system and the link keeps pointing at the new checkpoint.
                target = target.toRealPath();
            }
            Path parent = target.getParent();
            if (parent == null) {
                throw new TopiaryException("cannot write a checkpoint to the file system root " + dir);
            }
            Files.createDirectories(parent);
            tmp = createSibling(target, ".tmp-");

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
            if (Files.isDirectory(target)) {
                carryOver(target, tmp);
            }
            replace(target, tmp);
            done = true;
        } catch (IOException e) {
            throw new TopiaryException("cannot write checkpoint to " + dir + ": " + e, e);
        } finally {
            if (!done && tmp != null) {
                deleteQuietly(tmp);
            }
        }
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

    // A fresh hidden sibling, ".NAME<kind><random>", created with the default permissions the final directory needs.
    private static Path createSibling(Path target, String kind) throws IOException {
        while (true) {
            Path p = target.resolveSibling("." + target.getFileName() + kind
                    + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
            try {
                return Files.createDirectory(p);
            } catch (FileAlreadyExistsException e) {
                // Try another name.
            }
        }
    }

    // Copies what the old directory holds besides weights into the new one; hard links where possible (the old
    // directory is deleted right after, so nothing ends up shared).
    private static void carryOver(Path from, Path to) throws IOException {
        try (Stream<Path> entries = Files.list(from)) {
            for (Path source : (Iterable<Path>) entries::iterator) {
                String name = source.getFileName().toString();
                Path dest = to.resolve(name);
                if (CheckpointFiles.describesWeights(name) || Files.exists(dest, LinkOption.NOFOLLOW_LINKS)) {
                    continue;
                }
                if (Files.isDirectory(source, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(dest);
                    carryOver(source, dest);
                } else if (Files.isRegularFile(source, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.createLink(dest, source);
                    } catch (IOException | UnsupportedOperationException e) {
                        Files.copy(source, dest, StandardCopyOption.COPY_ATTRIBUTES);
                    }
                } else {
                    Files.copy(source, dest, LinkOption.NOFOLLOW_LINKS, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }

    // Puts the complete new directory at target; the old one, if any, is moved aside first and restored on failure.
    private static void replace(Path target, Path fresh) throws IOException {
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            SafetensorsWriter.moveIntoPlace(fresh, target);
            return;
        }
        Path old = target.resolveSibling("." + target.getFileName() + ".old-"
                + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE));
        Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        try {
            Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            try {
                Files.move(old, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException restore) {
                e.addSuppressed(restore);
            }
            throw e;
        }
        try {
            deleteRecursively(old);
        } catch (IOException e) {
            // The new checkpoint is in place; a leftover copy of the old one is only wasted disk.
            LOG.log(System.Logger.Level.WARNING, "could not delete the replaced checkpoint " + old + ": " + e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteRecursively(dir);
        } catch (IOException ignored) {
            // Already failing with a more useful error.
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            try (Stream<Path> entries = Files.list(path)) {
                for (Path p : (Iterable<Path>) entries::iterator) {
                    deleteRecursively(p);
                }
            }
        }
        Files.deleteIfExists(path);
    }
}
