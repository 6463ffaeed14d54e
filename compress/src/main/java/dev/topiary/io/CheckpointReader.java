package dev.topiary.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.topiary.TopiaryException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads the weights of a Hugging Face model directory: {@code model.safetensors}, or the shards that
 * {@code model.safetensors.index.json} lists.
 *
 * <p>Opening reads and validates every shard's header once (a few kilobytes each) so a broken checkpoint fails at
 * once, naming the file; tensor data is read only when asked for, one tensor at a time (see
 * {@link SafetensorsReader}). The config is not read here: see {@code LlamaConfig.read(dir)}.
 */
public final class CheckpointReader implements Closeable {

    private final Path directory;
    private final Map<String, TensorInfo> infos;
    private final Map<String, SafetensorsReader> readerOf;
    private final List<SafetensorsReader> readers;

    private CheckpointReader(Path directory, Map<String, TensorInfo> infos, Map<String, SafetensorsReader> readerOf,
            List<SafetensorsReader> readers) {
        this.directory = directory;
        this.infos = Collections.unmodifiableMap(infos);
        this.readerOf = readerOf;
        this.readers = readers;
    }

    /**
     * Opens the checkpoint in {@code dir}: the shards its {@code model.safetensors.index.json} names if there is
     * one, else its {@code model.safetensors}.
     *
     * @throws TopiaryException when the directory, the weights file, the index or a shard is missing or malformed,
     *     or the index maps a tensor to a shard that does not hold it
     */
    public static CheckpointReader open(Path dir) {
        if (!Files.exists(dir)) {
            throw new TopiaryException("model directory not found: " + dir);
        }
        if (!Files.isDirectory(dir)) {
            throw new TopiaryException(dir + " is not a directory; give the model directory that holds config.json and "
                    + CheckpointFiles.SINGLE);
        }
        Path index = dir.resolve(CheckpointFiles.INDEX);
        if (Files.isRegularFile(index)) {
            return openSharded(dir, index);
        }
        Path single = dir.resolve(CheckpointFiles.SINGLE);
        if (Files.isRegularFile(single)) {
            SafetensorsReader reader = SafetensorsReader.open(single);
            Map<String, SafetensorsReader> readerOf = new LinkedHashMap<>();
            reader.tensors().keySet().forEach(name -> readerOf.put(name, reader));
            return new CheckpointReader(dir, new LinkedHashMap<>(reader.tensors()), readerOf, List.of(reader));
        }
        for (Path weights : List.of(index, single)) {
            if (Files.exists(weights, LinkOption.NOFOLLOW_LINKS)) {
                throw new TopiaryException("cannot read the checkpoint in " + dir + ": " + weights.getFileName() + " "
                        + IoErrors.whyNotARegularFile(weights) + "; it must be a safetensors file");
            }
        }
        throw new TopiaryException("no checkpoint in " + dir + ": expected " + CheckpointFiles.SINGLE + " or "
                + CheckpointFiles.INDEX + " with its shards" + otherWeightsHint(dir));
    }

    private static CheckpointReader openSharded(Path dir, Path index) {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, SafetensorsReader> shards = new LinkedHashMap<>();
        try {
            for (String shard : weightMap.values()) {
                if (!shards.containsKey(shard)) {
                    shards.put(shard, openShard(dir, index, shard));
                }
            }
            Map<String, TensorInfo> infos = new LinkedHashMap<>();
            Map<String, SafetensorsReader> readerOf = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsReader reader = shards.get(e.getValue());
                TensorInfo info = reader.tensors().get(e.getKey());
                if (info == null) {
                    throw new TopiaryException(index + " maps tensor '" + e.getKey() + "' to " + e.getValue()
                            + ", but that shard has no tensor of that name");
                }
                infos.put(e.getKey(), info);
                readerOf.put(e.getKey(), reader);
            }
            return new CheckpointReader(dir, infos, readerOf, new ArrayList<>(shards.values()));
        } catch (RuntimeException e) {
            for (SafetensorsReader r : shards.values()) {
                closeQuietly(r);
            }
            throw e;
        }
    }

    private static Map<String, String> readWeightMap(Path index) {
        JsonNode root;
        try {
            root = SafetensorsReader.JSON.readTree(Files.readString(index));
        } catch (JsonProcessingException e) {
            throw new TopiaryException(index + " is not valid JSON: " + e.getOriginalMessage());
        } catch (NoSuchFileException e) {
            throw new TopiaryException("shard index not found: " + index);
        } catch (IOException e) {
            throw new TopiaryException("cannot read " + index + ": " + IoErrors.describe(e), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) {
            throw new TopiaryException(index + " has no \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new TopiaryException(index + ": weight_map entry '" + e.getKey()
                        + "' must name a shard file, found " + e.getValue());
            }
            weightMap.put(e.getKey(), e.getValue().textValue());
        }
        return weightMap;
    }

    private static SafetensorsReader openShard(Path dir, Path index, String shard) {
        // Shards live beside the index: a name with a path in it could reach outside the model directory.
        Path name;
        try {
            name = Path.of(shard).getFileName();
        } catch (java.nio.file.InvalidPathException e) {
            name = null;
        }
        if (shard.isEmpty() || name == null || !name.toString().equals(shard) || shard.equals("..")
                || shard.equals(".")) {
            throw new TopiaryException(index + " names shard '" + shard + "'; expected a file name in " + dir);
        }
        Path file = dir.resolve(shard);
        if (!Files.isRegularFile(file)) {
            throw new TopiaryException(index + " names shard " + shard + " in " + dir + ", which "
                    + IoErrors.whyNotARegularFile(file));
        }
        return SafetensorsReader.open(file);
    }

    private static String otherWeightsHint(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> weights = files.map(p -> p.getFileName().toString())
                    .filter(CheckpointFiles::describesWeights)
                    .filter(n -> !n.equals(CheckpointFiles.CONFIG))
                    .sorted()
                    .limit(5)
                    .collect(Collectors.toList());
            return weights.isEmpty() ? "" : " (found " + String.join(", ", weights)
                    + "; Topiary reads Hugging Face safetensors checkpoints)";
        } catch (IOException e) {
            return "";
        }
    }

    /** The model directory. */
    public Path directory() {
        return directory;
    }

    /** The names of all tensors, in index (or file) order. */
    public Set<String> names() {
        return infos.keySet();
    }

    /**
     * One tensor's header entry; its offsets are relative to its own shard.
     *
     * @throws TopiaryException naming the directory and the tensor when there is no such tensor
     */
    public TensorInfo info(String name) {
        TensorInfo info = infos.get(name);
        if (info == null) {
            throw new TopiaryException("tensor '" + name + "' not found in checkpoint " + directory + " (it holds "
                    + infos.size() + " tensors)");
        }
        return info;
    }

    /**
     * Reads one tensor into a new NDArray attached to {@code manager}; see
     * {@link SafetensorsReader#read(String, NDManager, DataType)} for {@code target}.
     *
     * @throws TopiaryException when there is no such tensor or it cannot be read as {@code target}
     */
    public NDArray read(String name, NDManager manager, DataType target) {
        info(name);
        return readerOf.get(name).read(name, manager, target);
    }

    /**
     * Reads a floating tensor's values as fp32, without DJL; for tests and tools.
     *
     * @throws TopiaryException when there is no such tensor or it is not floating point
     */
    public float[] readFloats(String name) {
        info(name);
        return readerOf.get(name).readFloats(name);
    }

    /** Closes every shard. Arrays already read stay valid. */
    @Override
    public void close() throws IOException {
        IOException first = null;
        for (SafetensorsReader r : readers) {
            try {
                r.close();
            } catch (IOException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Already failing with a more useful error.
        }
    }
}
