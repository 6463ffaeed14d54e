package dev.topiary.cli;

import dev.topiary.data.DatasetPreparation;
import dev.topiary.data.IndexedDataset;
import dev.topiary.data.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The {@code --data} argument of commands that read text: a Megatron indexed dataset prefix, or a {@code .jsonl} /
 * {@code .txt} file that is tokenized into a temporary dataset first (as {@code prepare-data} would) and deleted
 * on close.
 */
final class DatasetInput implements AutoCloseable {

    private final IndexedDataset dataset;
    private final Path scratch;

    private DatasetInput(IndexedDataset dataset, Path scratch) {
        this.dataset = dataset;
        this.scratch = scratch;
    }

    /** @param tokenizer tokenizer.json or a model directory holding one; read only for text input */
    static DatasetInput open(Path data, Path tokenizer) {
        String name = data.getFileName().toString();
        if (!name.endsWith(".jsonl") && !name.endsWith(".txt")) {
            return new DatasetInput(IndexedDataset.open(data), null);
        }
        Path scratch = null;
        try (Tokenizer t = Tokenizer.load(tokenizer)) {
            scratch = Files.createTempDirectory("topiary-data");
            Path prefix = scratch.resolve("data");
            DatasetPreparation.prepare(data, t, prefix);
            return new DatasetInput(IndexedDataset.open(prefix), scratch);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            delete(scratch);
            throw e;
        }
    }

    IndexedDataset dataset() {
        return dataset;
    }

    @Override
    public void close() {
        dataset.close();
        delete(scratch);
    }

    private static void delete(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // A temporary directory left behind is only wasted disk.
        }
    }
}
